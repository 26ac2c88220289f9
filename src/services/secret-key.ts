// The master key that seals SKs: from VPCDNS_SECRET_KEY, or a key file (created 0600 on first use), checked against the database.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SecretBox, newSecretKey, parseSecretKey } from '../auth/secret-box.ts';
import type { AuthSettings } from '../config.ts';
import type { Repos } from '../store/types.ts';

export const SECRET_KEY_ID_SETTING = 'secret_key_id';

export interface LoadedSecretKey {
  box: SecretBox;
  /** Where it came from, for the start-up log line (never the key). */
  source: string;
  /** Set when this call created the key file. */
  created?: string;
  /** Set when the key file can be read by other users. */
  warning?: string;
}

function fromFile(path: string): LoadedSecretKey {
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    let box: SecretBox;
    try {
      box = new SecretBox(parseSecretKey(readFileSync(path, 'utf8')));
    } catch (e) {
      throw new Error(`secret key file ${path}: ${(e as Error).message}`, { cause: e });
    }
    const warning = mode & 0o077 ? `secret key file ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it` : undefined;
    return { box, source: path, ...(warning ? { warning } : {}) };
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = newSecretKey();
  // 'wx': if another process created it meanwhile, fail rather than overwrite the key its SKs are sealed with.
  writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return { box: new SecretBox(key), source: path, created: path };
}

/** The key the settings name; no database access. */
export function loadSecretKeyFromSettings(auth: Pick<AuthSettings, 'secretKey' | 'secretKeyFile'>): LoadedSecretKey {
  if (auth.secretKey !== undefined) {
    try {
      return { box: new SecretBox(parseSecretKey(auth.secretKey)), source: 'VPCDNS_SECRET_KEY' };
    } catch (e) {
      throw new Error(`VPCDNS_SECRET_KEY: ${(e as Error).message}`, { cause: e });
    }
  }
  if (auth.secretKeyFile === null) return { box: SecretBox.ephemeral(), source: 'memory (in-memory database)' };
  return fromFile(auth.secretKeyFile);
}

/**
 * Loads the key and makes sure it is the one the stored SKs were sealed with: the database keeps the key's
 * fingerprint, so a server or `vpcdns admin` started with another key stops with a clear message instead of
 * failing every signature. With no access key stored yet, the new key is simply recorded.
 */
export async function loadSecretKey(auth: Pick<AuthSettings, 'secretKey' | 'secretKeyFile'>, store: Pick<Repos, 'settings' | 'accessKeys'>): Promise<LoadedSecretKey> {
  const recorded = await store.settings.get(SECRET_KEY_ID_SETTING);
  if (recorded !== undefined && auth.secretKey === undefined && auth.secretKeyFile !== null && !existsSync(auth.secretKeyFile) && (await store.accessKeys.count()) > 0) {
    throw new Error(
      `secret key file ${auth.secretKeyFile} is missing, but this database holds access keys sealed with key ${recorded}: restore the file or set VPCDNS_SECRET_KEY`,
    );
  }
  const loaded = loadSecretKeyFromSettings(auth);
  if (recorded !== loaded.box.keyId) {
    if (recorded !== undefined && (await store.accessKeys.count()) > 0) {
      throw new Error(
        `the secret key from ${loaded.source} (id ${loaded.box.keyId}) is not the one this database's access keys are sealed with (id ${recorded}); use the same VPCDNS_SECRET_KEY or key file as the server that created them`,
      );
    }
    await store.settings.set(SECRET_KEY_ID_SETTING, loaded.box.keyId);
  }
  return loaded;
}
