// PostgreSQL's own statements: registered texts run as named prepared statements, and the dialect's locks and combined writes.
import { CompiledQuery, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import type { Status } from '../../domain/status.ts';
import { guarded, type DialectStatements } from '../context.ts';
import { precompiled, preparedName, registerPreparedText } from '../precompiled.ts';
import { addressRow, toEndpoint } from '../rows.ts';
import type { AddressStatusRow } from '../types.ts';

const seen = new WeakSet<pg.PoolClient>();

/**
 * The pool as Kysely uses it, whose clients run the registered texts by name: on its first use on a connection pg
 * sends the statement to be parsed, and afterwards only its values. Any other query passes unchanged.
 *
 * Each execution is still planned with its values (plan_cache_mode = force_custom_plan): a generic plan, which
 * PostgreSQL would otherwise settle on after five executions, is made once with the table sizes of that moment, and a
 * plan chosen while a table was nearly empty (a scan of every address of a subnet for its highest one) stays in use
 * after it has grown. A server without that setting (before PostgreSQL 12) gets plain queries.
 */
export function withPreparedStatements(pool: pg.Pool, connect: () => Promise<pg.PoolClient> = () => pool.connect()): PostgresPool {
  return {
    async connect() {
      const client = await connect();
      if (!seen.has(client)) {
        seen.add(client);
        // A connection lost while checked out (between a transaction's statements) emits 'error' on the client, which
        // the pool listens to only while it is idle: without this, the process would end. Its next query fails (503).
        client.on('error', () => undefined);
        try {
          await client.query('set plan_cache_mode to force_custom_plan');
        } catch {
          return client as unknown as PostgresPoolClient;
        }
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const [text, values] = args;
          const name = typeof text === 'string' && args.length === 2 ? preparedName(text) : undefined;
          return name === undefined ? query(...args) : query({ name, text, values });
        };
      }
      return client as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

const endpointLock = precompiled((db, id: string) => db.selectFrom('endpoints').select('id').where('id', '=', id).forUpdate());
const endpointsByIdsForUpdate = precompiled((db, ids: string[]) => db.selectFrom('endpoints').selectAll().where('id', 'in', ids).orderBy('id').forUpdate());

/**
 * A reconciler pass's address writes and the read that settles their endpoints, in one statement (one round trip
 * instead of three or more). Lists are arrays (`= any`, `unnest`), so the text is fixed and runs as one prepared
 * statement. Every part of a statement sees the snapshot it started with, so the final select reads the addresses as
 * they were before the two writes: the caller applies them to what it reads (deleted ids gone, written ids in their
 * new status). The endpoints are locked (FOR UPDATE, an earlier statement), so no request changes their addresses
 * meanwhile, and this statement's snapshot, taken after those locks were granted, sees every commit before.
 */
const APPLY_OUTCOMES = `with deleted as (
  delete from endpoint_addresses where id = any($1::text[]) returning id
), written as (
  update endpoint_addresses a set status = v.status, error_info = v.error_info, updated_at = $2
  from unnest($3::text[], $4::text[], $5::text[]) as v(id, status, error_info)
  where a.id = v.id and a.status = $6
  returning a.id
)
select 'deleted' as kind, id, null as endpoint_id, null as status from deleted
union all select 'written', id, null, null from written
union all select 'address', id, endpoint_id, status from endpoint_addresses where endpoint_id = any($7::text[])`;

/**
 * An insert unless the subnet has the address and, when it inserted, its endpoint's status, in one round trip. A
 * data-modifying CTE runs once whatever reads it; the update sees the insert through its RETURNING rows only.
 */
const INSERT_MARKING = `with inserted as (
  insert into endpoint_addresses (id, endpoint_id, project_id, subnet_id, vpc_id, direction, ip, ip_int, status, error_info, created_at, updated_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
  on conflict (subnet_id, ip) do nothing
  returning endpoint_id
)
update endpoints set status = $13, updated_at = $12 where id = (select endpoint_id from inserted) returning id`;

/** An address's status (no compare-and-set) and its endpoint's, in one round trip. */
const SET_STATUS_MARKING = `with written as (
  update endpoint_addresses set status = $2, error_info = $3, updated_at = $4 where id = $1
)
update endpoints set status = $6, updated_at = $4 where id = $5`;

/** Each endpoint's compare-and-set transition with its own from and to, in one statement. */
const TRANSITION_EACH = `update endpoints e set status = v.to_status, updated_at = $1
from unnest($2::text[], $3::text[], $4::text[]) as v(id, from_status, to_status)
where e.id = v.id and e.status = v.from_status
returning e.id`;
registerPreparedText(APPLY_OUTCOMES);
registerPreparedText(TRANSITION_EACH);
registerPreparedText(INSERT_MARKING);
registerPreparedText(SET_STATUS_MARKING);

/** PostgreSQL: row locks with FOR UPDATE, and each combined write as one statement. */
export const postgresStatements: DialectStatements = {
  name: 'postgres',
  async lockProject(db, id) {
    await sql`select id from projects where id = ${id} for update`.execute(db);
  },
  async lockSubnets(db, ids) {
    if (ids.length > 0) await sql`select id from subnets where id in (${sql.join([...ids].sort())}) order by id for update`.execute(db);
  },
  async lockEndpoint(db, id) {
    await endpointLock(db, 'postgres', id);
  },
  async lockRule(db, id) {
    await sql`select id from resolver_rules where id = ${id} for update`.execute(db);
  },
  async lockZone(db, id) {
    await sql`select id from private_zones where id = ${id} for update`.execute(db);
  },
  async endpointsForUpdate(db, ids) {
    return (await endpointsByIdsForUpdate(db, 'postgres', ids)).rows.map(toEndpoint);
  },
  async applyOutcomes(db, o) {
    const written = new Set<string>();
    const addresses: AddressStatusRow[] = [];
    const params = [o.deleteIds, o.now, o.updates.map((u) => u.id), o.updates.map((u) => u.status), o.updates.map((u) => u.errorInfo), o.expected, o.endpointIds];
    const { rows } = await db.executeQuery<{ kind: string; id: string; endpoint_id: string | null; status: Status | null }>(CompiledQuery.raw(APPLY_OUTCOMES, params));
    const deleted = new Set<string>();
    for (const r of rows) {
      if (r.kind === 'deleted') deleted.add(r.id);
      else if (r.kind === 'written') written.add(r.id);
    }
    const newStatus = new Map(o.updates.map((u) => [u.id, u.status]));
    for (const r of rows) {
      if (r.kind !== 'address' || deleted.has(r.id)) continue;
      addresses.push({ id: r.id, endpointId: r.endpoint_id!, status: written.has(r.id) ? newStatus.get(r.id)! : r.status! });
    }
    return { written, addresses };
  },
  async transitionEach(db, moves, now) {
    const params = [now, moves.map((m) => m.id), moves.map((m) => m.from), moves.map((m) => m.to)];
    const { rows } = await db.executeQuery<{ id: string }>(CompiledQuery.raw(TRANSITION_EACH, params));
    return new Set(rows.map((r) => r.id));
  },
  async createAddressMarkingEndpoint(db, a, endpointStatus) {
    const { rows } = await guarded(db.executeQuery(CompiledQuery.raw(INSERT_MARKING, [...addressRow(a), endpointStatus])));
    return rows.length === 1;
  },
  async setAddressStatusMarkingEndpoint(db, id, endpointId, patch, endpointStatus) {
    await db.executeQuery(CompiledQuery.raw(SET_STATUS_MARKING, [id, patch.status, patch.errorInfo, patch.updatedAt, endpointId, endpointStatus]));
  },
};
