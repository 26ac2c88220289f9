// The process logger: pino with every field that could carry a credential redacted.
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Request lines carry no headers or bodies at all (src/api/app.ts logs method, route, status, project); these paths are
 * the second line of defence, should anything ever log a request, its headers or a parsed login body.
 */
export const REDACT = [
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers["x-security-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-auth-token"]',
  'headers["x-subject-token"]',
  'headers["x-security-token"]',
  'headers.authorization',
  'headers.cookie',
  'body.auth.identity.password.user.password',
  'auth.identity.password.user.password',
  'token',
  'password',
  'secret',
  'sk',
  '*.token',
  '*.password',
  '*.secret',
  '*.sk',
];

export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: REDACT, censor: '[redacted]' } };
}

/**
 * `pretty` writes human-readable lines to stderr; `destination` (tests) receives the JSON lines. `buffered` (the
 * server) writes to stdout without blocking: lines logged while a write is in flight go out together in the next one,
 * so a busy server makes one write per batch instead of one per request line; what is still buffered is written
 * synchronously when the process exits.
 */
export function makeLogger(o: { level: string; pretty?: boolean; destination?: DestinationStream; buffered?: boolean }): Logger {
  const options = { ...loggerOptions(o.level), ...(o.pretty ? { transport: { target: 'pino-pretty', options: { destination: 2 } } } : {}) };
  if (o.destination) return pino(options, o.destination);
  if (o.buffered && !o.pretty) return pino(options, pino.destination({ dest: 1, sync: false, minLength: 0, maxLength: MAX_BUFFERED_LOG }));
  return pino(options);
}

/** Bytes of log lines held while stdout does not keep up; beyond it lines are dropped rather than memory grown. */
const MAX_BUFFERED_LOG = 64 * 1024 * 1024;
