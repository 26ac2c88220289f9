// The repository of cluster nodes: registration and heartbeats, DNS nodes' reports per address, and leases.
import { num, type RepoContext } from './context.ts';

export interface NodeRecord {
  name: string;
  instance: string;
  roles: string[];
  serveCidrs: string[];
  startedAt: number;
  heartbeatAt: number;
}

/** A DNS node's report on one address: bound (listening, or usable as a source address), or the reason it is not. */
export interface AddressReport {
  addressId: string;
  ip: string;
  bound: boolean;
  reason: string | null;
}

export interface NodeAddressReport extends AddressReport {
  nodeName: string;
  updatedAt: number;
}

export interface NodeRepo {
  /** Writes the node's row; a row of that name from an earlier start (or another process) is taken over. */
  register(n: NodeRecord): Promise<void>;
  /** Renews the heartbeat; false when the row is gone or held by another start of that name (then stop). */
  heartbeat(name: string, instance: string, now: number): Promise<boolean>;
  /** Removes the node and its reports (clean shutdown); only the start that holds the row can. */
  deregister(name: string, instance: string): Promise<void>;
  /** Every node, live or not, by name. */
  list(): Promise<NodeRecord[]>;
  /**
   * Replaces the node's reports with these (one per address it covers): reports on addresses not listed are removed.
   * Only for the start that holds the row: false, and nothing written, otherwise.
   */
  replaceReports(name: string, instance: string, reports: readonly AddressReport[], now: number): Promise<boolean>;
  /** The reports on these addresses (every report when none given), from every node. */
  reports(addressIds?: readonly string[]): Promise<NodeAddressReport[]>;
  /**
   * Takes or renews the lease `name` for `holder` until now + ttlMs: true when it was free, expired or already the
   * holder's (compare-and-set: one holder at a time, whatever the race).
   */
  claimLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Who holds the lease at `now`, if anyone. */
  leaseHolder(name: string, now: number): Promise<string | undefined>;
}

/** Rows per statement when writing reports: well under either database's bound-parameter limit. */
const REPORT_CHUNK = 400;

/**
 * Whether this start holds the node's row, locking it for the rest of the transaction (an update, which both
 * databases serialise: a takeover by a newer start cannot slip between this check and the writes that follow).
 */
async function holds(ctx: RepoContext, name: string, instance: string): Promise<boolean> {
  const r = await ctx.db.updateTable('nodes').set((eb) => ({ heartbeat_at: eb.ref('heartbeat_at') })).where('name', '=', name).where('instance', '=', instance).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

const split = (text: string): string[] => (text === '' ? [] : text.split(','));

export const nodeMethods: NodeRepo & ThisType<RepoContext> = {
  async register(n) {
    const row = {
      name: n.name,
      instance: n.instance,
      roles: n.roles.join(','),
      serve_cidrs: n.serveCidrs.join(','),
      started_at: n.startedAt,
      heartbeat_at: n.heartbeatAt,
    };
    await this.db
      .insertInto('nodes')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet({ instance: row.instance, roles: row.roles, serve_cidrs: row.serve_cidrs, started_at: row.started_at, heartbeat_at: row.heartbeat_at }))
      .execute();
    // What an earlier start of this name reported is no longer true of this one.
    await this.db.deleteFrom('node_addresses').where('node_name', '=', n.name).execute();
  },
  async heartbeat(name, instance, now) {
    const r = await this.db.updateTable('nodes').set({ heartbeat_at: now }).where('name', '=', name).where('instance', '=', instance).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
  async deregister(name, instance) {
    if (!(await holds(this, name, instance))) return;
    await this.db.deleteFrom('node_addresses').where('node_name', '=', name).execute();
    await this.db.deleteFrom('nodes').where('name', '=', name).where('instance', '=', instance).execute();
  },
  async list() {
    const rows = await this.db.selectFrom('nodes').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      instance: r.instance,
      roles: split(r.roles),
      serveCidrs: split(r.serve_cidrs),
      startedAt: num(r.started_at),
      heartbeatAt: num(r.heartbeat_at),
    }));
  },
  async replaceReports(name, instance, reports, now) {
    if (!(await holds(this, name, instance))) return false;
    const ids = reports.map((r) => r.addressId);
    if (ids.length === 0) await this.db.deleteFrom('node_addresses').where('node_name', '=', name).execute();
    else {
      // Stale reports: those on addresses not listed (read, then deleted by key, so no statement grows with the set).
      const listed = new Set(ids);
      const had = await this.db.selectFrom('node_addresses').select('address_id').where('node_name', '=', name).execute();
      const stale = had.map((r) => r.address_id).filter((id) => !listed.has(id));
      for (let i = 0; i < stale.length; i += REPORT_CHUNK) {
        await this.db.deleteFrom('node_addresses').where('node_name', '=', name).where('address_id', 'in', stale.slice(i, i + REPORT_CHUNK)).execute();
      }
    }
    for (let i = 0; i < reports.length; i += REPORT_CHUNK) {
      const rows = reports.slice(i, i + REPORT_CHUNK).map((r) => ({ node_name: name, address_id: r.addressId, ip: r.ip, bound: r.bound ? 1 : 0, reason: r.reason, updated_at: now }));
      await this.db
        .insertInto('node_addresses')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['node_name', 'address_id']).doUpdateSet((eb) => ({ ip: eb.ref('excluded.ip'), bound: eb.ref('excluded.bound'), reason: eb.ref('excluded.reason'), updated_at: eb.ref('excluded.updated_at') })),
        )
        .execute();
    }
    return true;
  },
  async reports(addressIds) {
    if (addressIds !== undefined && addressIds.length === 0) return [];
    const out: NodeAddressReport[] = [];
    const chunks = addressIds === undefined ? [undefined] : Array.from({ length: Math.ceil(addressIds.length / REPORT_CHUNK) }, (_, i) => addressIds.slice(i * REPORT_CHUNK, (i + 1) * REPORT_CHUNK));
    for (const chunk of chunks) {
      let q = this.db.selectFrom('node_addresses').selectAll();
      if (chunk) q = q.where('address_id', 'in', [...chunk]);
      for (const r of await q.execute()) {
        out.push({ nodeName: r.node_name, addressId: r.address_id, ip: r.ip, bound: num(r.bound) === 1, reason: r.reason, updatedAt: num(r.updated_at) });
      }
    }
    return out;
  },
  async claimLease(name, holder, now, ttlMs) {
    const expires = now + ttlMs;
    const r = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: expires })
          .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', now)])),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  },
  async releaseLease(name, holder) {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  },
  async leaseHolder(name, now) {
    const r = await this.db.selectFrom('leases').select('holder').where('name', '=', name).where('expires_at', '>', now).executeTakeFirst();
    return r?.holder;
  },
};
