// Access-key pairs: generation of AKs and SKs (unbiased random characters) and the shapes accepted from the config.
import { randomInt } from 'node:crypto';

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = `${UPPER_DIGITS}abcdefghijklmnopqrstuvwxyz`;

export const ACCESS_KEY_LENGTH = 20;
export const SECRET_KEY_LENGTH = 40;

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** 20 upper-case letters and digits, like Huawei's AKs (~103 bits). */
export const newAccessKeyId = (): string => randomString(UPPER_DIGITS, ACCESS_KEY_LENGTH);

/** 40 letters and digits, like Huawei's SKs (~238 bits). */
export const newSecretAccessKey = (): string => randomString(ALNUM, SECRET_KEY_LENGTH);

/** AKs vpcdns accepts from the config: letters, digits, '_' and '-' (nothing that could break the Authorization header). */
export const isAccessKeyId = (ak: string): boolean => /^[A-Za-z0-9_-]{8,128}$/.test(ak);

/** SKs accepted from the config: 16-128 printable ASCII characters. */
export const isSecretAccessKey = (sk: string): boolean => /^[\x21-\x7e]{16,128}$/.test(sk);
