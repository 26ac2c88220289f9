// PostgreSQL: the precompiled queries run as named prepared statements, parsed once per connection.
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** SQL text -> statement name, for the texts precompiled queries produce (sql-util.ts registers them). */
const names = new Map<string, string>();

/** Marks compiled SQL as worth preparing: it will run again and again with new values. */
export function registerPreparedText(text: string): void {
  if (!names.has(text)) names.set(text, `vpcdns_${names.size + 1}`);
}

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
export function withPreparedStatements(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      if (!seen.has(client)) {
        seen.add(client);
        try {
          await client.query('set plan_cache_mode to force_custom_plan');
        } catch {
          return client as unknown as PostgresPoolClient;
        }
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const [text, values] = args;
          const name = typeof text === 'string' && args.length === 2 ? names.get(text) : undefined;
          return name === undefined ? query(...args) : query({ name, text, values });
        };
      }
      return client as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
