// Encryption at rest of secrets the server must read back (access-key SKs): AES-256-GCM under one master key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** 64 hex digits or base64 of 32 bytes -> the key; anything else throws (with no part of the value in the message). */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === SECRET_KEY_BYTES) return key;
  }
  throw new RangeError(`a secret key must be ${SECRET_KEY_BYTES} bytes written as 64 hex digits or base64`);
}

export const newSecretKey = (): Buffer => randomBytes(SECRET_KEY_BYTES);

/**
 * Seals and opens short secrets. Each sealed value carries the key id, so a value sealed under another key is told
 * apart from a tampered one, and is bound to `context` (the AK), so a sealed SK copied to another row does not open.
 */
export class SecretBox {
  private readonly key: Buffer;
  /** Fingerprint of the key (not the key): safe to store and to print. */
  readonly keyId: string;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) throw new RangeError(`a secret key must be ${SECRET_KEY_BYTES} bytes`);
    this.key = Buffer.from(key);
    this.keyId = createHash('sha256').update('vpcdns secret key id\0').update(key).digest('hex').slice(0, 16);
  }

  /** A box with a random key that lives as long as the process (in-memory databases, tests). */
  static ephemeral(): SecretBox {
    return new SecretBox(newSecretKey());
  }

  /** `v1.<keyId>.<iv>.<ciphertext>.<tag>`, base64url parts. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The plaintext, or undefined when the value was sealed under another key or context, or altered. Never throws. */
  open(sealed: string, context: string): string | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION || parts[1] !== this.keyId) return undefined;
    const [iv, ct, tag] = parts.slice(2).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Whether a sealed value was sealed under this box's key (without opening it). */
  sealedHere(sealed: string): boolean {
    return sealed.split('.')[1] === this.keyId;
  }
}
