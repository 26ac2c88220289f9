// Projects and API tokens: resolving X-Auth-Token to a principal, and issuing tokens.
import { newToken, tokenDigest } from '../auth/token.ts';
import { newResourceId } from '../domain/ids.ts';
import type { ProjectRecord, Repos } from '../store/types.ts';
import type { Principal, ServiceDeps } from './context.ts';

export class IdentityService {
  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'clock'>) {}

  /** The principal of a token, or null when it is unknown or expired. The lookup is by digest, never by the token. */
  async authenticateToken(token: string): Promise<Principal | null> {
    if (token.length < 16 || token.length > 4096) return null;
    const projectId = await this.deps.store.tokens.findProject(tokenDigest(token), this.deps.clock.now());
    return projectId ? { projectId, method: 'token' } : null;
  }

  async createProject(input: { id?: string; name: string }, repos: Repos = this.deps.store): Promise<ProjectRecord> {
    const project: ProjectRecord = { id: input.id ?? newResourceId(), name: input.name, createdAt: this.deps.clock.now() };
    await repos.projects.create(project);
    return project;
  }

  /** Stores a token (given, or new) for a project; returns the token, which is not stored anywhere in clear. */
  async addToken(projectId: string, token: string = newToken(), expiresAt: number | null = null, repos: Repos = this.deps.store): Promise<string> {
    await repos.tokens.create({ digest: tokenDigest(token), projectId, expiresAt, createdAt: this.deps.clock.now() });
    return token;
  }

  async tokenExists(token: string, repos: Repos = this.deps.store): Promise<boolean> {
    return (await repos.tokens.findProject(tokenDigest(token), Number.MAX_SAFE_INTEGER - 1)) !== undefined;
  }
}
