// The token lookup of every request, remembered while nothing that could change a token has been written (SQLite).
import type { TokenRecord, TokenRepo } from './types.ts';

/** Where the database stands: equal stamps mean no token can have been written in between. */
export interface TokenStamp {
  /** Token writes on the server's own connection (SqliteStatements.tokenWrites). */
  readonly local: number;
  /** Commits by other connections (PRAGMA data_version): `vpcdns admin` in another process. */
  readonly others: number;
}

interface Entry {
  token: TokenRecord;
  stamp: TokenStamp;
}

/**
 * Wraps `find` with a cache that is exact, not merely recent: an entry is used only while the stamp it was read
 * under is still current, and the stamp moves on any write of this connection to api_tokens (or users, projects)
 * and any commit of another connection. Expiry is checked against `now` as the query does. Unknown tokens are
 * not remembered. On SQLite the stamp costs one PRAGMA, cheaper than the indexed lookup it replaces; PostgreSQL,
 * where other nodes write without telling, has no such stamp and is not cached.
 */
export function cachedTokenFind(find: TokenRepo['find'], stampNow: () => TokenStamp, max = 10_000): TokenRepo['find'] {
  const entries = new Map<string, Entry>();
  return async (digest, now) => {
    const stamp = stampNow();
    const hit = entries.get(digest);
    if (hit && hit.stamp.local === stamp.local && hit.stamp.others === stamp.others) {
      const { expiresAt } = hit.token;
      return expiresAt === null || expiresAt > now ? hit.token : undefined;
    }
    // Read after the stamp: a write counted after it makes this entry stale before it is ever used.
    const token = await find(digest, now);
    if (hit) entries.delete(digest);
    if (token) {
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(digest, { token, stamp });
    }
    return token;
  };
}
