// Users (scrypt passwords) and access keys (SKs sealed at rest): create, list, disable, delete, and the SK for a signature.
import { isAccessKeyId, isSecretAccessKey, newAccessKeyId, newSecretAccessKey } from '../auth/access-key.ts';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParams } from '../auth/password.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import type { Clock } from '../domain/clock.ts';
import { newResourceId } from '../domain/ids.ts';
import type { AccessKeyRecord, AccessKeyStatus, UserRecord } from '../store/identity-types.ts';
import { ConstraintViolation, type Repos, type Store } from '../store/types.ts';

export interface CredentialDeps {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
  /** Cost of new password hashes (tests use a cheap one). */
  scrypt?: ScryptParams;
}

const USER_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 8;

/** An access key as listed: everything but the secret. */
export type AccessKeyInfo = Omit<AccessKeyRecord, 'sealedSecret'>;

const info = ({ sealedSecret: _s, ...rest }: AccessKeyRecord): AccessKeyInfo => rest;

// Sealed values opened so far (a sealed value never changes: a new SK is a new row); bounded, oldest dropped first.
const MAX_OPENED = 10_000;

export class CredentialService {
  // Opened when the AK is unknown, so that answer costs what a known AK costs.
  private readonly dummy: { access: string; sealed: string };
  // AES-GCM costs more than the HMAC itself; the key row is still read on every request, so a disabled or deleted key
  // stops working at once. The SKs are in this process's memory either way while it verifies.
  private readonly opened = new Map<string, string | undefined>();

  constructor(private readonly deps: CredentialDeps) {
    const access = 'unknown-access-key';
    this.dummy = { access, sealed: deps.secrets.seal(newSecretAccessKey(), access) };
  }

  async createUser(input: { projectId: string; name: string; password: string }, repos: Repos = this.deps.store): Promise<UserRecord> {
    if (!USER_NAME.test(input.name)) throw new Error(`user name ${JSON.stringify(input.name)} must be 1-64 letters, digits, '_', '.', '@' or '-'`);
    if (input.password.length < MIN_PASSWORD_LENGTH) throw new Error(`a password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    if (!(await repos.projects.get(input.projectId))) throw new Error(`no project ${input.projectId}`);
    const user: UserRecord = {
      id: newResourceId(),
      projectId: input.projectId,
      name: input.name,
      passwordHash: await hashPassword(input.password, this.deps.scrypt ?? DEFAULT_SCRYPT),
      createdAt: this.deps.clock.now(),
    };
    try {
      await repos.users.create(user);
    } catch (e) {
      if (e instanceof ConstraintViolation && e.kind === 'unique') throw new Error(`project ${input.projectId} already has a user ${input.name}`, { cause: e });
      throw e;
    }
    return user;
  }

  listUsers(projectId?: string): Promise<UserRecord[]> {
    return this.deps.store.users.list(projectId);
  }

  /** Deletes the user and its tokens; false when there is no such user. */
  async deleteUser(projectId: string, name: string): Promise<boolean> {
    return this.deps.store.transaction(async (tx) => {
      const user = await tx.users.findByName(projectId, name);
      return user ? tx.users.delete(user.id) : false;
    });
  }

  /** Creates a key pair (or stores the given one); the secret is returned here and never again. */
  async createAccessKey(
    input: { projectId: string; access?: string; secret?: string; description?: string },
    repos: Repos = this.deps.store,
  ): Promise<{ access: string; secret: string; key: AccessKeyInfo }> {
    const access = input.access ?? newAccessKeyId();
    const secret = input.secret ?? newSecretAccessKey();
    if (!isAccessKeyId(access)) throw new Error(`access key ${JSON.stringify(access)} must be 8-128 letters, digits, '_' or '-'`);
    // The message never contains the secret.
    if (!isSecretAccessKey(secret)) throw new Error(`the secret of access key ${access} must be 16-128 printable ASCII characters without spaces`);
    if (!(await repos.projects.get(input.projectId))) throw new Error(`no project ${input.projectId}`);
    const record: AccessKeyRecord = {
      access,
      projectId: input.projectId,
      sealedSecret: this.deps.secrets.seal(secret, access),
      status: 'active',
      description: input.description ?? '',
      createdAt: this.deps.clock.now(),
    };
    try {
      await repos.accessKeys.create(record);
    } catch (e) {
      if (e instanceof ConstraintViolation && e.kind === 'unique') throw new Error(`access key ${access} already exists`, { cause: e });
      throw e;
    }
    return { access, secret, key: info(record) };
  }

  async getAccessKey(access: string, repos: Repos = this.deps.store): Promise<AccessKeyInfo | undefined> {
    const k = await repos.accessKeys.get(access);
    return k && info(k);
  }

  async listAccessKeys(projectId?: string): Promise<AccessKeyInfo[]> {
    return (await this.deps.store.accessKeys.list(projectId)).map(info);
  }

  setAccessKeyStatus(access: string, status: AccessKeyStatus): Promise<boolean> {
    return this.deps.store.accessKeys.setStatus(access, status);
  }

  deleteAccessKey(access: string): Promise<boolean> {
    return this.deps.store.accessKeys.delete(access);
  }

  /**
   * The SK and project of an active key, for verifying a signature. An unknown, disabled or unreadable key gives
   * undefined after the same work as a good one (one read, one decryption).
   */
  async signingKey(access: string): Promise<{ secret: string; projectId: string } | undefined> {
    const key = await this.deps.store.accessKeys.get(access);
    const secret = key ? this.open(key.sealedSecret, key.access) : this.open(this.dummy.sealed, this.dummy.access);
    if (!key || key.status !== 'active' || secret === undefined) return undefined;
    return { secret, projectId: key.projectId };
  }

  private open(sealed: string, access: string): string | undefined {
    const cacheKey = `${access}\0${sealed}`;
    if (this.opened.has(cacheKey)) return this.opened.get(cacheKey);
    const secret = this.deps.secrets.open(sealed, access);
    this.opened.set(cacheKey, secret);
    if (this.opened.size > MAX_OPENED) this.opened.delete(this.opened.keys().next().value!);
    return secret;
  }
}
