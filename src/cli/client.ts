// The CLI's REST client: JSON requests signed with AK/SK (SDK-HMAC-SHA256) or carrying a token; errors become ApiError.
import { signRequestHeaders } from '../auth/aksk.ts';
import { ApiError, CommandFailed, UsageError } from './errors.ts';
import type { Settings } from './profile.ts';

export type Fetch = typeof fetch;

export class ApiClient {
  private project: Promise<string> | null = null;

  constructor(
    readonly settings: Settings,
    private readonly fetchImpl: Fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  get region(): string {
    return this.settings.region;
  }

  /** Sends one request; resolves with the parsed body (undefined for 204), throws ApiError for any status outside 2xx. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await res.text();
    const parsed = parseJson(text);
    if (res.ok) return parsed as T;
    const e = (parsed ?? {}) as { code?: string; error_code?: string; message?: string; error_msg?: string; request_id?: string };
    throw new ApiError(res.status, e.code ?? e.error_code ?? `HTTP.${res.status}`, e.message ?? e.error_msg ?? (text.slice(0, 200) || res.statusText), e.request_id ?? res.headers.get('x-request-id'));
  }

  /** The project of /v1/{project_id} paths: the configured one, else the one the credentials belong to. */
  projectId(): Promise<string> {
    if (this.settings.projectId) return Promise.resolve(this.settings.projectId);
    this.project ??= this.request<{ projects: { id: string }[] }>('GET', '/v3/auth/projects').then((r) => {
      const first = r.projects[0];
      if (!first) throw new CommandFailed('the credentials belong to no project; set VPCDNS_PROJECT_ID or run vpcdns configure --project-id');
      return first.id;
    });
    return this.project;
  }

  private async send(method: string, path: string, body: unknown): Promise<Response> {
    const creds = this.settings.credentials;
    if (!creds) throw new UsageError('no credentials: run `vpcdns configure`, or set VPCDNS_TOKEN, or VPCDNS_AK and VPCDNS_SK');
    const url = new URL(path, `${this.settings.url}/`);
    const payload = body === undefined ? '' : JSON.stringify(body);
    const base: Record<string, string> = { 'content-type': 'application/json' };
    let headers: Record<string, string>;
    if (creds.kind === 'token') {
      headers = { ...base, 'x-auth-token': creds.token };
    } else {
      if (this.settings.projectId) base['x-project-id'] = this.settings.projectId;
      headers = signRequestHeaders({ method, url, headers: base, body: payload, ak: creds.ak, sk: creds.sk, date: this.now() }) as Record<string, string>;
      delete headers['host']; // fetch sends the same Host itself and refuses to be given one
    }
    try {
      return await this.fetchImpl(url, { method, headers, ...(payload ? { body: payload } : {}) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CommandFailed(`cannot reach ${this.settings.url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
