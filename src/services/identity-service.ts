// Projects and API tokens: resolving X-Auth-Token to a principal, issuing tokens, and creating and deleting projects.
import { newToken, tokenDigest } from '../auth/token.ts';
import { isProjectId, newResourceId } from '../domain/ids.ts';
import { ConstraintViolation, type ProjectRecord, type Repos } from '../store/types.ts';
import type { Principal, ServiceDeps } from './context.ts';

export class IdentityService {
  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'clock'>) {}

  /** The principal of a token, or null when it is unknown or expired. The lookup is by digest, never by the token. */
  async authenticateToken(token: string): Promise<Principal | null> {
    if (token.length < 16 || token.length > 4096) return null;
    const found = await this.deps.store.tokens.find(tokenDigest(token), this.deps.clock.now());
    if (!found) return null;
    return found.userId ? { projectId: found.projectId, method: 'token', userId: found.userId } : { projectId: found.projectId, method: 'token' };
  }

  /** A project by its id or, failing that, its name. */
  async findProject(idOrName: string, repos: Repos = this.deps.store): Promise<ProjectRecord | undefined> {
    return (isProjectId(idOrName) ? await repos.projects.get(idOrName) : undefined) ?? repos.projects.findByName(idOrName);
  }

  /** Creates a project after checking the id and name an operator gave (the admin command). */
  async createNamedProject(input: { id?: string; name: string }): Promise<ProjectRecord> {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(input.name)) throw new Error(`project name ${JSON.stringify(input.name)} must be 1-64 letters, digits, '_', '.' or '-'`);
    if (input.id !== undefined && !isProjectId(input.id)) throw new Error(`project id ${JSON.stringify(input.id)} must be 32 lowercase hex characters`);
    return this.deps.store.transaction(async (tx) => {
      if (await tx.projects.findByName(input.name)) throw new Error(`a project named ${input.name} already exists`);
      if (input.id !== undefined && (await tx.projects.get(input.id))) throw new Error(`project ${input.id} already exists`);
      return this.createProject(input, tx);
    });
  }

  /** Deletes a project with its users, access keys and tokens; refuses while it still has VPCs or endpoints. */
  async deleteProject(idOrName: string): Promise<ProjectRecord | undefined> {
    return this.deps.store.transaction(async (tx) => {
      const project = await this.findProject(idOrName, tx);
      if (!project) return undefined;
      const usage = await tx.projectAdmin.usage(project.id);
      if (usage.vpcs > 0 || usage.endpoints > 0) {
        throw new Error(`project ${project.name} still has ${usage.endpoints} endpoint(s) and ${usage.vpcs} VPC(s); delete them first`);
      }
      try {
        await tx.projectAdmin.delete(project.id);
      } catch (e) {
        if (e instanceof ConstraintViolation) throw new Error(`project ${project.name} still owns resources; delete them first`, { cause: e });
        throw e;
      }
      return project;
    });
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
