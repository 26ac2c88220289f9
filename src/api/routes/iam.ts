// Routes of the Keystone v3 subset: password login (POST /v3/auth/tokens), revocation, and the caller's projects.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { invalidRequest } from '../../domain/errors.ts';
import type { AuthService, IssuedToken } from '../../services/auth-service.ts';
import type { ProjectRecord } from '../../store/types.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses } from '../schemas/common.ts';
import { ListProjectsQuerySchema, ListProjectsResponseSchema, LoginBodySchema, SubjectTokenHeadersSchema, TokenEnvelopeSchema, type LoginBody } from '../schemas/iam.ts';

/** vpcdns has no accounts; every user and project reports Keystone's default domain. */
export const DOMAIN = { id: 'default', name: 'Default' } as const;
const ROLES = [{ id: 'vpcdns-project-admin', name: 'te_admin' }];
/** Schema failures here are plain DNS.0002 (the endpoint field codes, e.g. name -> DNS.1501, do not apply). */
const IAM_ROUTE = { config: { fieldCodes: {} } };

/** Keystone's form: microseconds and Z, e.g. 2025-01-02T12:00:00.000000Z. */
const keystoneTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

function tokenView(t: IssuedToken) {
  return {
    token: {
      methods: ['password'],
      expires_at: keystoneTime(t.expiresAt),
      issued_at: keystoneTime(t.issuedAt),
      user: { id: t.user.id, name: t.user.name, domain: DOMAIN, password_expires_at: '' },
      project: { id: t.project.id, name: t.project.name, domain: DOMAIN },
      roles: ROLES,
      catalog: [],
    },
  };
}

const projectView = (p: ProjectRecord) => ({
  id: p.id,
  name: p.name,
  description: '',
  domain_id: DOMAIN.id,
  parent_id: DOMAIN.id,
  enabled: true,
  is_domain: false,
  links: { self: `/v3/projects/${p.id}` },
});

function loginInput(body: LoginBody) {
  const { identity, scope } = body.auth;
  if (identity.methods.length !== 1 || identity.methods[0] !== 'password') {
    throw invalidRequest('only the password method is supported: send ["password"].', 'auth.identity.methods');
  }
  const { user } = identity.password;
  if ((user.name === undefined) === (user.id === undefined)) throw invalidRequest('give the user\'s name or id (one of them).', 'auth.identity.password.user');
  const { project } = scope;
  if ((project.id === undefined) === (project.name === undefined)) throw invalidRequest('give the project\'s id or name (one of them): tokens act in one project.', 'auth.scope.project');
  return { user: { name: user.name, id: user.id }, password: user.password, project: { id: project.id, name: project.name } };
}

export const iamRoutes =
  (auth: AuthService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v3/auth/tokens',
      { ...IAM_ROUTE, schema: { operationId: 'KeystoneCreateUserTokenByPassword', tags: ['iam'], body: LoginBodySchema, response: { 201: TokenEnvelopeSchema, ...errorResponses } } },
      async (req, reply) => {
        const issued = await auth.login(loginInput(req.body), req.ip);
        return reply.code(201).header('X-Subject-Token', issued.token).send(tokenView(issued));
      },
    );

    app.delete(
      '/v3/auth/tokens',
      { ...IAM_ROUTE, schema: { operationId: 'RevokeToken', tags: ['iam'], headers: SubjectTokenHeadersSchema, response: { 204: Type.Null(), ...errorResponses } } },
      async (req, reply) => {
        const token = req.headers['x-subject-token'];
        if (!token) throw invalidRequest('send the token to revoke in the X-Subject-Token header.', 'X-Subject-Token');
        await auth.revoke(token, req.ip);
        return reply.code(204).send(null);
      },
    );

    for (const [url, operationId] of [['/v3/projects', 'KeystoneListProjects'], ['/v3/auth/projects', 'KeystoneListAuthProjects']] as const) {
      app.get(
        url,
        { ...IAM_ROUTE, schema: { operationId, tags: ['iam'], querystring: ListProjectsQuerySchema, response: { 200: ListProjectsResponseSchema, ...errorResponses } } },
        async (req) => ({
          projects: (await auth.projectsOf(principalOf(req), req.query.name)).map(projectView),
          links: { self: url, previous: null, next: null },
        }),
      );
    }
  };
