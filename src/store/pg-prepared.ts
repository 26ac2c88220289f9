// PostgreSQL: the precompiled queries run as named prepared statements, parsed and planned once per connection.
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** SQL text -> statement name, for the texts precompiled queries produce (sql-util.ts registers them). */
const names = new Map<string, string>();

/** Marks compiled SQL as worth preparing: it will run again and again with new values. */
export function registerPreparedText(text: string): void {
  if (!names.has(text)) names.set(text, `vpcdns_${names.size + 1}`);
}

const patched = new WeakSet<pg.PoolClient>();

/**
 * The pool as Kysely uses it, whose clients run the registered texts by name: on its first use on a connection pg
 * sends the statement to be parsed and planned, and afterwards only its values. Any other query passes unchanged.
 */
export function withPreparedStatements(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      if (!patched.has(client)) {
        patched.add(client);
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
