// Authentication: password logins that issue tokens, revocation, AK/SK signature checks with lockout, and the caller's projects.
import { failureMessage, parseAuthorization, verifyRequestAsync, type Body, type RequestHeaders, type VerifyFailureReason } from '../auth/aksk.ts';
import type { FailureLockout } from '../auth/lockout.ts';
import { verifyPassword } from '../auth/password.ts';
import type { TokenBucketRateLimiter } from '../auth/rate-limit.ts';
import { newToken, tokenDigest } from '../auth/token.ts';
import type { Clock } from '../domain/clock.ts';
import { authenticationFailed, loginRateLimited, subjectTokenNotFound, type AppError } from '../domain/errors.ts';
import type { UserRecord } from '../store/identity-types.ts';
import type { ProjectRecord, Store } from '../store/types.ts';
import type { Principal } from './context.ts';
import type { CredentialService } from './credential-service.ts';

export interface AuthServiceDeps {
  store: Store;
  clock: Clock;
  credentials: CredentialService;
  /** The region served; GET /v3/projects?name=<region> finds the caller's project, as the SDKs expect. */
  region: string;
  tokenTtlMs: number;
  lockout: FailureLockout;
  /** Per client address, for POST and DELETE /v3/auth/tokens; null: no limit. */
  loginLimiter: TokenBucketRateLimiter | null;
}

export interface LoginInput {
  user: { name?: string; id?: string };
  password: string;
  project: { id?: string; name?: string };
}

export interface IssuedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
  user: UserRecord;
  project: ProjectRecord;
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received. */
  rawUrl: string;
  headers: RequestHeaders;
  body: Body;
}

export type SignatureResult =
  | { ok: true; principal: Principal }
  /** `log` says what went wrong for the server's log; `error` is what the caller is told. */
  | { ok: false; error: AppError; log: { ak?: string; reason: VerifyFailureReason | 'locked' | 'wrong_project'; detail: string } };

// scrypt takes ~64 MiB and tens of milliseconds; more logins than this at once are refused rather than queued.
const MAX_CONCURRENT_LOGINS = 8;
const LOGIN_FAILED = 'The user name, password or project is wrong.';
const PREFIX = /^Incorrect IAM authentication information: /;

/** Huawei's wording after the catalog's "Incorrect IAM authentication information." */
const signatureFailure = (reason: VerifyFailureReason | 'locked'): AppError => authenticationFailed(failureMessage(reason).replace(PREFIX, ''));

export class AuthService {
  private loginsInFlight = 0;

  constructor(private readonly deps: AuthServiceDeps) {}

  /** Checks a password (as long for an unknown user as for a known one) and issues a project-scoped token. */
  async login(input: LoginInput, clientAddress: string): Promise<IssuedToken> {
    this.admit(clientAddress);
    if (this.loginsInFlight >= MAX_CONCURRENT_LOGINS) throw loginRateLimited();
    this.loginsInFlight++;
    try {
      const { store, clock } = this.deps;
      const project = input.project.id !== undefined ? await store.projects.get(input.project.id) : await store.projects.findByName(input.project.name ?? '');
      let user: UserRecord | undefined;
      if (project) user = input.user.id !== undefined ? await store.users.get(input.user.id) : await store.users.findByName(project.id, input.user.name ?? '');
      if (user && user.projectId !== project?.id) user = undefined;
      const ok = await verifyPassword(input.password, user?.passwordHash);
      if (!ok || !user || !project) throw authenticationFailed(LOGIN_FAILED);
      const token = newToken();
      const now = clock.now();
      const expiresAt = now + this.deps.tokenTtlMs;
      const owner = user;
      await store.transaction(async (tx) => {
        await tx.tokens.deleteExpired(owner.id, now);
        await tx.tokens.create({ digest: tokenDigest(token), projectId: project.id, userId: owner.id, expiresAt, createdAt: now });
      });
      return { token, issuedAt: now, expiresAt, user, project };
    } finally {
      this.loginsInFlight--;
    }
  }

  /** Revokes the token given in X-Subject-Token (holding it is the proof); 404 when it is unknown, expired or revoked. */
  async revoke(token: string, clientAddress: string): Promise<void> {
    this.admit(clientAddress);
    const digest = tokenDigest(token);
    const found = token.length <= 4096 ? await this.deps.store.tokens.find(digest, this.deps.clock.now()) : undefined;
    if (!found || !(await this.deps.store.tokens.delete(digest))) throw subjectTokenNotFound();
  }

  /**
   * Verifies an SDK-HMAC-SHA256 request (spec 9.2). More than 5 consecutive signature failures lock the AK for
   * 5 minutes, whether it exists or not, so the answers never tell which AKs exist.
   */
  async verifySignature(req: SignedRequest): Promise<SignatureResult> {
    const authorization = req.headers['authorization'];
    const claimed = parseAuthorization(typeof authorization === 'string' ? authorization : undefined)?.access;
    const { lockout } = this.deps;
    if (claimed !== undefined && lockout.isLocked(claimed)) {
      return { ok: false, error: signatureFailure('locked'), log: { ak: claimed, reason: 'locked', detail: 'AK locked after repeated failures' } };
    }
    let key: { secret: string; projectId: string } | undefined;
    const result = await verifyRequestAsync({
      ...req,
      now: this.deps.clock.now(),
      lookupSecret: async (ak) => {
        key = await this.deps.credentials.signingKey(ak);
        return key?.secret;
      },
    });
    if (!result.ok) {
      if (result.access !== undefined && (result.reason === 'bad_signature' || result.reason === 'unknown_key')) lockout.recordFailure(result.access);
      return { ok: false, error: signatureFailure(result.reason), log: { ...(result.access ? { ak: result.access } : {}), reason: result.reason, detail: result.detail } };
    }
    lockout.recordSuccess(result.access);
    const projectId = key!.projectId;
    // A key belongs to one project: X-Project-Id may name it (the SDKs send it) or be left out.
    const asked = req.headers['x-project-id'];
    if (asked !== undefined && asked !== projectId) {
      return {
        ok: false,
        error: authenticationFailed('The access key cannot act in the project named by X-Project-Id.'),
        log: { ak: result.access, reason: 'wrong_project', detail: 'X-Project-Id is not the key\'s project' },
      };
    }
    return { ok: true, principal: { projectId, method: 'aksk', accessKey: result.access } };
  }

  /** The caller's projects (one: a token or key acts in one project), filtered by name; the region name also matches. */
  async projectsOf(principal: Principal, name?: string): Promise<ProjectRecord[]> {
    const project = await this.deps.store.projects.get(principal.projectId);
    if (!project) return [];
    return name === undefined || name === project.name || name === this.deps.region ? [project] : [];
  }

  private admit(clientAddress: string): void {
    if (this.deps.loginLimiter && !this.deps.loginLimiter.take(clientAddress)) throw loginRateLimited();
  }
}
