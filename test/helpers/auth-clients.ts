// Ways the harness authenticates: config tokens (inject), password-login tokens (inject), and the real Huawei Cloud SDK over HTTP (AK/SK).
import { randomBytes } from 'node:crypto';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';
import { formatSdkDate, signRequestHeaders } from '../../src/auth/aksk.ts';
import type { ScryptParams } from '../../src/auth/password.ts';
import { SecretBox } from '../../src/auth/secret-box.ts';
import type { AuthSettings } from '../../src/config.ts';
import type { ManualClock } from '../../src/domain/clock.ts';
import type { System } from '../../src/system.ts';

/** token: X-Auth-Token from the config; password: a token from POST /v3/auth/tokens; sdk: SDK-HMAC-SHA256 by the SDK over HTTP. */
export type AuthMode = 'token' | 'password' | 'sdk';

/** The modes the shared API suites run in; VPCDNS_TEST_AUTH_MODES=token,sdk narrows them. */
export const AUTH_MODES: AuthMode[] = (process.env.VPCDNS_TEST_AUTH_MODES?.split(',') as AuthMode[] | undefined) ?? ['token', 'password', 'sdk'];

/** A fixed key, so that a harness reopened on the same database (restart tests) still opens its SKs. */
export const TEST_SECRETS = new SecretBox(Buffer.alloc(32, 0x5a));
/** scrypt at 1 MiB: hashing the test users must not cost a second per harness. */
export const TEST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };
/** The manual clock never refills a bucket: suites run unlimited; the rate-limit tests set their own. */
export const TEST_AUTH: Partial<AuthSettings> = { rateLimit: null, loginRateLimit: null };

export interface TestIdentity {
  projectId: string;
  projectName: string;
  user: string;
  password: string;
  access: string;
  secret: string;
}

export const TEST_IDENTITIES = {
  alpha: { user: 'alice', password: 'alice-password-0001', access: 'AKALPHA0000000000001', secret: 'SKalphaSecretKey000000000000000000000001' },
  beta: { user: 'bob', password: 'bob-password-0002', access: 'AKBETA00000000000002', secret: 'SKbetaSecretKey0000000000000000000000002' },
} as const;

/** The users and access_keys lines of a project in the config. */
export const configIdentity = (i: { user: string; password: string; access: string; secret: string }) => ({
  users: [{ name: i.user, password: i.password }],
  access_keys: [{ access: i.access, secret: i.secret }],
});

export interface Response {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}
export type Requester = (method: string, url: string, body?: unknown, token?: string) => Promise<Response>;

export interface ClientContext {
  sys: System;
  clock: ManualClock;
  /** The harness's requests name a project by its config token; this says who that is. */
  identities: ReadonlyMap<string, TestIdentity>;
  defaultToken: string;
  /** The plain X-Auth-Token requester. */
  inject: Requester;
}

export function loginBody(who: { user: string; password: string }, project: { id?: string; name?: string }) {
  return { auth: { identity: { methods: ['password'], password: { user: { name: who.user, password: who.password, domain: { name: 'ignored' } } } }, scope: { project } } };
}

/** Logs in with the project's user (again when the token nears expiry) and sends X-Auth-Token with that token. */
function passwordClient(ctx: ClientContext): Requester {
  const sessions = new Map<string, { token: string; expiresAt: number }>();
  return async (method, url, body, token = ctx.defaultToken) => {
    const who = ctx.identities.get(token);
    // An unknown token stays as it is: that is what the 401 tests send.
    if (!who) return ctx.inject(method, url, body, token);
    let session = sessions.get(token);
    if (!session || session.expiresAt <= ctx.clock.now() + 60_000) {
      const res = await ctx.sys.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: loginBody(who, { id: who.projectId }) });
      if (res.statusCode !== 201) throw new Error(`login of ${who.user} failed: ${res.statusCode} ${res.body}`);
      session = { token: String(res.headers['x-subject-token']), expiresAt: Date.parse(res.json().token.expires_at) };
      sessions.set(token, session);
    }
    return ctx.inject(method, url, body, session.token);
  };
}

/**
 * The official Node SDK core end to end: BasicCredentials (AK, SK, project id), HcClient's request building and
 * AKSKSigner, axios over a real socket to the harness listening on 127.0.0.1. X-Sdk-Date comes from the harness's
 * manual clock (the SDK takes a given X-Sdk-Date as it is), so the 15-minute window holds.
 */
async function sdkClient(ctx: ClientContext): Promise<Requester> {
  const address = await ctx.sys.app.listen({ host: '127.0.0.1', port: 0 });
  // Every status comes back as a response, so error bodies and headers can be checked like inject()'s.
  const http = new DefaultHttpClient({ axiosRequestConfig: { validateStatus: () => true } }, [address]);
  const clients = new Map<string, HcClient>();
  const unknown = { access: 'AKUNKNOWN00000000000', secret: randomBytes(20).toString('hex'), projectId: [...ctx.identities.values()][0]!.projectId };
  const clientFor = (token: string): HcClient => {
    let client = clients.get(token);
    if (!client) {
      const who = ctx.identities.get(token) ?? unknown;
      const credentials = new BasicCredentials().withAk(who.access).withSk(who.secret).withProjectId(who.projectId);
      client = new HcClient(http).withEndpoints([address]).withCredential(credentials);
      clients.set(token, client);
    }
    return client;
  };
  return async (method, url, body, token = ctx.defaultToken) => {
    const u = new URL(url, address);
    const queryParams: Record<string, string | string[]> = {};
    for (const key of new Set(u.searchParams.keys())) {
      const values = u.searchParams.getAll(key);
      queryParams[key] = values.length === 1 ? values[0]! : values;
    }
    let data: unknown = body;
    if (typeof body === 'string') {
      try {
        data = JSON.parse(body);
      } catch {
        // axios would JSON-encode a string that is not JSON, so no SDK can send malformed JSON: sign and send it with ours.
        return signedFetch(address, ctx.identities.get(token) ?? unknown, method, url, body, ctx.clock.now());
      }
    }
    const options = {
      method,
      url: u.pathname,
      contentType: 'application/json',
      queryParams,
      pathParams: {},
      headers: { 'X-Sdk-Date': formatSdkDate(ctx.clock.now()) },
      ...(data === undefined ? {} : { data }),
    };
    // sendRequest would turn an error status into an exception without the body; build (and sign) as it does, then send.
    const request = await (clientFor(token) as unknown as { buildRequest(o: unknown): Promise<unknown> }).buildRequest(options);
    const res = (await http.sendRequest(request as never)) as unknown as { statusCode: number; data: unknown; headers: { toJSON?: () => Record<string, unknown> } };
    const headers = typeof res.headers.toJSON === 'function' ? res.headers.toJSON() : (res.headers as Record<string, unknown>);
    return { status: res.statusCode, body: res.data === '' ? undefined : res.data, headers };
  };
}

/** A request signed by vpcdns's own signer (spec-identical to the SDK's, test/auth/aksk-sdk.test.ts) and sent with fetch. */
async function signedFetch(address: string, who: { access: string; secret: string; projectId: string }, method: string, url: string, body: string, now: number): Promise<Response> {
  const target = new URL(url, address);
  const headers = signRequestHeaders({ method, url: target, headers: { 'content-type': 'application/json', 'x-project-id': who.projectId }, body, ak: who.access, sk: who.secret, date: now });
  const res = await fetch(target, { method, headers: headers as Record<string, string>, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: Object.fromEntries(res.headers) };
}

export async function clientFor(mode: AuthMode, ctx: ClientContext): Promise<Requester> {
  if (mode === 'password') return passwordClient(ctx);
  if (mode === 'sdk') return sdkClient(ctx);
  return ctx.inject;
}
