// Which database errors mean "the store is unavailable" (answered 503 DNS.0503 with Retry-After), and why, in words.

/** Seconds a client is told to wait (Retry-After) before retrying a request the store could not take. */
export const RETRY_AFTER_SECONDS = 2;

/** Node's socket errors on the way to PostgreSQL. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** pg's own messages for a connection it lost or could not get (they carry no code). */
const PG_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Query read timeout|Connection ended/i;

/**
 * The reason an error shows the store unavailable ("disk full", "database unreachable", ...), or null for any other
 * error (a constraint, a bug). Follows `cause` chains. SQLite: disk full, I/O errors, busy past busy_timeout, out of
 * memory, cannot open, read-only file. PostgreSQL: the server unreachable, the connection lost, the server shutting
 * down or starting (57P01-57P03), a connection exception (class 08), insufficient resources (class 53: disk full,
 * out of memory, too many connections), a statement cancelled by statement_timeout (57014), a read-only server (25006).
 */
export function storeUnavailableReason(err: unknown): string | null {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? '');
    const message = String((e as { message?: unknown }).message ?? '');
    if (code === 'SQLITE_FULL') return 'disk full';
    if (code.startsWith('SQLITE_IOERR')) return `disk I/O error (${code})`;
    if (code.startsWith('SQLITE_BUSY')) return 'database busy';
    if (code === 'SQLITE_NOMEM') return 'out of memory';
    if (code.startsWith('SQLITE_CANTOPEN')) return 'database file cannot be opened';
    if (code.startsWith('SQLITE_READONLY')) return 'database file is read-only';
    if (SOCKET_CODES.has(code)) return `database unreachable (${code})`;
    if (code === '53100') return 'database disk full';
    if (code.startsWith('53')) return `database out of resources (${code})`;
    if (code === '57014') return 'statement timeout';
    if (code === '25006') return 'database is read-only';
    if (/^57P0[123]$/.test(code)) return `database shutting down or starting (${code})`;
    if (code.startsWith('08')) return `database connection failed (${code})`;
    if (PG_MESSAGES.test(message)) return 'database connection lost';
    if (e instanceof StoreUnavailableError) return e.reason;
  }
  return null;
}

export const isStoreUnavailable = (err: unknown): boolean => storeUnavailableReason(err) !== null;

/** Thrown without trying the database while it is known to be unreachable (pg-connect.ts, during a backoff). */
export class StoreUnavailableError extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
    this.name = 'StoreUnavailableError';
  }
}
