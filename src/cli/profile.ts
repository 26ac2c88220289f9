// The CLI's profile file (API URL and credentials, mode 0600) and the environment variables that override it.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.ts';

export interface Profile {
  url?: string;
  project_id?: string;
  region?: string;
  ak?: string;
  sk?: string;
  token?: string;
}

export interface ProfileFile {
  profiles: Record<string, Profile>;
}

/** What a command runs with: the profile, with the environment on top. */
export interface Settings {
  url: string;
  projectId?: string;
  region: string;
  credentials: { kind: 'aksk'; ak: string; sk: string } | { kind: 'token'; token: string } | null;
}

export const DEFAULT_URL = 'http://127.0.0.1:8053';
export const DEFAULT_REGION = 'ap-southeast-1';

/** `VPCDNS_PROFILE_FILE`, else `$XDG_CONFIG_HOME/vpcdns/profiles.json` (`~/.config/...`). */
export function profilePath(env: NodeJS.ProcessEnv): string {
  if (env.VPCDNS_PROFILE_FILE) return env.VPCDNS_PROFILE_FILE;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'vpcdns', 'profiles.json');
}

export function readProfiles(path: string): ProfileFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw e;
  }
  let parsed: Partial<ProfileFile>;
  try {
    parsed = JSON.parse(text) as Partial<ProfileFile>;
  } catch {
    throw new UsageError(`${path} is not valid JSON: fix it, or remove it and run vpcdns configure again`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.profiles !== 'object') throw new UsageError(`${path} is not a vpcdns profile file`);
  return { profiles: parsed.profiles ?? {} };
}

/** Writes the whole file atomically, readable by its owner only (it holds secrets). */
export function writeProfiles(path: string, file: ProfileFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask cannot widen it, and an older file's mode does not carry over
  renameSync(tmp, path);
}

const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/**
 * Environment over profile. Credentials are taken whole from one place: any credential in the environment
 * (VPCDNS_TOKEN, or VPCDNS_AK with VPCDNS_SK) replaces the profile's; AK/SK wins over a token from the same place.
 */
export function resolveSettings(env: NodeJS.ProcessEnv, profile: Profile): Settings {
  const fromEnv = credentialsOf(nonEmpty(env.VPCDNS_AK), nonEmpty(env.VPCDNS_SK), nonEmpty(env.VPCDNS_TOKEN));
  if (nonEmpty(env.VPCDNS_AK) && !nonEmpty(env.VPCDNS_SK)) throw new UsageError('VPCDNS_AK is set without VPCDNS_SK');
  const projectId = nonEmpty(env.VPCDNS_PROJECT_ID) ?? profile.project_id;
  return {
    url: (nonEmpty(env.VPCDNS_URL) ?? profile.url ?? DEFAULT_URL).replace(/\/+$/, ''),
    ...(projectId ? { projectId } : {}),
    region: nonEmpty(env.VPCDNS_REGION) ?? profile.region ?? DEFAULT_REGION,
    credentials: fromEnv ?? credentialsOf(profile.ak, profile.sk, profile.token),
  };
}

function credentialsOf(ak: string | undefined, sk: string | undefined, token: string | undefined): Settings['credentials'] {
  if (ak && sk) return { kind: 'aksk', ak, sk };
  if (token) return { kind: 'token', token };
  return null;
}

/** A profile as shown to people: secrets reduced to their last four characters. */
export function maskedProfile(p: Profile): Record<string, string> {
  const mask = (s: string) => `****${s.slice(-4)}`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (typeof v === 'string') out[k] = k === 'sk' || k === 'token' ? mask(v) : v;
  return out;
}
