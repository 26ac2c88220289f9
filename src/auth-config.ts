// The auth section of the configuration: token lifetime, the SK-sealing key's place, request rate limits.
import { dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';

/** requests_per_second 0 turns the limit off; burst defaults to two seconds' worth. */
const RateLimitConfigSchema = Type.Object(
  { requests_per_second: Type.Number({ minimum: 0 }), burst: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);

export const AuthConfigSchema = Type.Object(
  {
    token_ttl_seconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 31 * 86400 })),
    secret_key_file: Type.Optional(Type.String({ minLength: 1 })),
    rate_limit: Type.Optional(RateLimitConfigSchema),
    login_rate_limit: Type.Optional(RateLimitConfigSchema),
  },
  { additionalProperties: false },
);

export interface RateSetting {
  perSecond: number;
  burst: number;
}

export interface AuthSettings {
  tokenTtlMs: number;
  /** VPCDNS_SECRET_KEY: the key that seals SKs (64 hex or base64); wins over the key file. */
  secretKey: string | undefined;
  /** Where the key is kept (created with mode 0600 on first use); null: a key that lives in memory only. */
  secretKeyFile: string | null;
  /** Per project; null: no limit. */
  rateLimit: RateSetting | null;
  /** POST and DELETE /v3/auth/tokens per client address; null: no limit. */
  loginRateLimit: RateSetting | null;
}

export const DEFAULT_AUTH: AuthSettings = {
  tokenTtlMs: 24 * 3600 * 1000,
  secretKey: undefined,
  secretKeyFile: null,
  rateLimit: { perSecond: 200, burst: 400 },
  loginRateLimit: { perSecond: 2, burst: 10 },
};

function rateSetting(file: { requests_per_second: number; burst?: number } | undefined, dflt: RateSetting | null): RateSetting | null {
  if (!file) return dflt;
  if (file.requests_per_second === 0) return null;
  return { perSecond: file.requests_per_second, burst: file.burst ?? Math.max(1, Math.ceil(2 * file.requests_per_second)) };
}

/** The key file sits beside a SQLite file by default; PostgreSQL uses ./data; an in-memory database keeps its key in memory. */
function defaultKeyFile(db: string): string | null {
  if (db === ':memory:') return null;
  return /^postgres(ql)?:\/\//.test(db) ? './data/secret.key' : join(dirname(db), 'secret.key');
}

export function authSettings(file: Static<typeof AuthConfigSchema> | undefined, db: string, env: NodeJS.ProcessEnv): AuthSettings {
  return {
    tokenTtlMs: (file?.token_ttl_seconds ?? DEFAULT_AUTH.tokenTtlMs / 1000) * 1000,
    secretKey: env.VPCDNS_SECRET_KEY || undefined,
    secretKeyFile: env.VPCDNS_SECRET_KEY_FILE ?? file?.secret_key_file ?? defaultKeyFile(db),
    rateLimit: rateSetting(file?.rate_limit, DEFAULT_AUTH.rateLimit),
    loginRateLimit: rateSetting(file?.login_rate_limit, DEFAULT_AUTH.loginRateLimit),
  };
}
