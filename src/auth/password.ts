// Password hashing with scrypt into a self-describing string `scrypt$N$r$p$saltB64$hashB64`, and its verification.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two; memory used is about 128 * N * r bytes. */
  N: number;
  r: number;
  p: number;
}

/** 2^15 * 8 * 128 bytes = 32 MiB and roughly 50-100 ms per hash on a server core. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MAX_PASSWORD_BYTES = 1024;
// Bounds for parameters read back from storage, so a tampered row cannot make verification eat the server.
const LIMITS = { N: [2, 2 ** 20], r: [1, 32], p: [1, 16] } as const;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

// NFKC (NIST SP 800-63B 5.1.1.2) so the same password typed on different keyboards or OSes hashes the same.
const passwordBytes = (password: string): Buffer => Buffer.from(password.normalize('NFKC'), 'utf8');

function derive(password: Buffer, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const maxmem = 256 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function validParams(params: ScryptParams): boolean {
  return (Object.keys(LIMITS) as (keyof ScryptParams)[]).every((k) => {
    const v = params[k];
    const [min, max] = LIMITS[k];
    return Number.isInteger(v) && v >= min && v <= max;
  }) && (params.N & (params.N - 1)) === 0;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const pw = passwordBytes(password);
  if (pw.length === 0 || pw.length > MAX_PASSWORD_BYTES) throw new RangeError(`a password must be 1-${MAX_PASSWORD_BYTES} bytes`);
  if (!validParams(params)) throw new RangeError(`invalid scrypt parameters ${JSON.stringify(params)}`);
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(pw, salt, params, HASH_BYTES);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Parameters of a stored hash, or null if it is not one this module wrote. */
export function parsePasswordHash(stored: string): (ScryptParams & { salt: Buffer; hash: Buffer }) | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((x) => (/^[0-9]{1,9}$/.test(x) ? Number(x) : NaN)) as [number, number, number];
  const [saltB64, hashB64] = parts.slice(4) as [string, string];
  if (!validParams({ N, r, p }) || !B64.test(saltB64) || !B64.test(hashB64)) return null;
  const salt = Buffer.from(saltB64, 'base64');
  const hash = Buffer.from(hashB64, 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { N, r, p, salt, hash };
}

// Verified against when the user does not exist, so that answer takes as long as a wrong password.
const DUMMY_HASH = { ...DEFAULT_SCRYPT, salt: Buffer.alloc(SALT_BYTES), hash: Buffer.alloc(HASH_BYTES) };

/**
 * False for a wrong password and for a stored value that is not a valid hash; never throws on input.
 * Pass `undefined` for an unknown user: it still spends one scrypt so timing does not reveal which users exist.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const pw = passwordBytes(password);
  if (stored === undefined) {
    await derive(pw.subarray(0, MAX_PASSWORD_BYTES), DUMMY_HASH.salt, DUMMY_HASH, HASH_BYTES);
    return false;
  }
  const parsed = parsePasswordHash(stored);
  if (parsed === null || pw.length > MAX_PASSWORD_BYTES) return false;
  const candidate = await derive(pw, parsed.salt, parsed, parsed.hash.length);
  return timingSafeEqual(candidate, parsed.hash);
}

/** True when a stored hash uses weaker parameters than the current default and should be replaced at the next login. */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parsePasswordHash(stored);
  return parsed === null || parsed.N < params.N || parsed.r < params.r || parsed.p < params.p;
}
