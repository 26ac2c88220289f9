// The console's API client: the same REST API as any SDK, authenticated with the signed-in token.
const TOKEN_KEY = 'vpcdns.token';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? body?.error_msg ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? body?.error_code;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  projectId: null,
};

export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { 'X-Auth-Token': session.token ?? '', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** Checks the token and learns its project (the VPC API has the project in its paths). */
export async function signIn(token) {
  session.token = token;
  try {
    const projects = await api('GET', '/v3/projects');
    session.projectId = projects.projects?.[0]?.id ?? null;
    if (!session.projectId) throw new ApiError(401, { message: 'This token has no project.' });
  } catch (e) {
    session.token = null;
    throw e;
  }
}

export const endpointsOf = async (direction) => (await api('GET', `/v2.1/endpoints?direction=${direction}`)).endpoints;
export const vpcs = async () => (await api('GET', `/v1/${session.projectId}/vpcs`)).vpcs;
export const subnets = async () => (await api('GET', `/v1/${session.projectId}/subnets`)).subnets;
export const addressesOf = async (id) => (await api('GET', `/v2.1/endpoints/${id}/ipaddresses`)).ipaddresses;
export const rules = async () => (await api('GET', '/v2.1/resolverrules')).resolver_rules;

/** IPv4 helpers for offering free addresses of a subnet. */
const toInt = (ip) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** The first free addresses of a subnet, skipping what vpcdns never allocates (network, .1-.3, gateway, broadcast). */
export function freeAddresses(subnet, used, count = 8) {
  const [base, prefix] = subnet.cidr.split('/');
  const start = toInt(base);
  const size = 2 ** (32 - Number(prefix));
  const taken = new Set([...used].map(toInt));
  const gateway = toInt(subnet.gateway_ip);
  const out = [];
  for (let n = start + 4; n < start + size - 1 && out.length < count; n++) {
    if (n !== gateway && !taken.has(n)) out.push(toIp(n));
  }
  return out;
}
