// Bearer tokens: generation (256 random bits, URL-safe) and the digest that is stored instead of the token.
import { createHash, hash, randomBytes } from 'node:crypto';

export const TOKEN_BYTES = 32;

/** 43 characters of base64url; safe in headers, URLs and file names without escaping. */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * SHA-256 hex of the token, the only form the database keeps, so a copy of the database gives no usable token.
 * A plain hash (no salt, no slow KDF) is enough because the token has 256 bits of entropy, and it keeps
 * lookup by digest an indexed equality match.
 */
export function tokenDigest(token: string): string {
  return sha256Hex(token);
}

// Every request that carries a token hashes it: one call and no Hash object where Node has crypto.hash (20.12+).
const sha256Hex: (text: string) => string =
  typeof hash === 'function' ? (text) => hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text, 'utf8').digest('hex');
