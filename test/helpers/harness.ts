// Test harness: a whole vpcdns (store, services, reconciler, API) on SQLite or PostgreSQL, driven with inject().
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { ManualClock } from '../../src/domain/clock.ts';
import type { Provisioner } from '../../src/reconciler/provisioner.ts';
import type { ProgressMode } from '../../src/reconciler/reconciler.ts';
import { openStore } from '../../src/store/open.ts';
import type { AddressRecord } from '../../src/store/types.ts';
import { createSystem, type System } from '../../src/system.ts';
import type { AuthSettings } from '../../src/config.ts';
import { TEST_AUTH, TEST_IDENTITIES, TEST_SCRYPT, TEST_SECRETS, clientFor, configIdentity, type AuthMode, type TestIdentity } from './auth-clients.ts';

export { AUTH_MODES, type AuthMode } from './auth-clients.ts';

export const PG_URL = process.env.VPCDNS_TEST_PG_URL;
export const PG_SKIP_MESSAGE = 'PostgreSQL tests skipped: set VPCDNS_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run them';

export type DbKind = 'sqlite' | 'postgres';

/** The databases to run a suite against: SQLite always, PostgreSQL when VPCDNS_TEST_PG_URL is set. */
export const DATABASES: DbKind[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (!PG_URL) console.log(`# ${PG_SKIP_MESSAGE}`);

/** A provisioner that records what it was asked and fails the addresses it is told to. */
export class FakeProvisioner implements Provisioner {
  readonly active = new Set<string>();
  readonly failing = new Map<string, string>();
  readonly calls: string[] = [];
  async activate(a: AddressRecord): Promise<string | null> {
    this.calls.push(`activate ${a.ip}`);
    const why = this.failing.get(a.ip);
    if (why) return why;
    this.active.add(a.ip);
    return null;
  }
  async deactivate(a: AddressRecord): Promise<void> {
    this.calls.push(`deactivate ${a.ip}`);
    this.active.delete(a.ip);
  }
}

export interface Harness {
  sys: System;
  clock: ManualClock;
  provisioner: FakeProvisioner;
  token: string;
  projectId: string;
  vpcId: string;
  subnetId: string;
  db: DbKind;
  /** How req() authenticates (HarnessOptions.auth). */
  auth: AuthMode;
  /** A second project with its own token, VPC and subnet, for isolation tests. */
  other: { token: string; projectId: string; vpcId: string; subnetId: string };
  req(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** Runs the reconciler until nothing is pending (manual mode). */
  settle(): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  mode?: ProgressMode;
  quotas?: { inboundEndpoints?: number; outboundEndpoints?: number; resolverRules?: number };
  provisioner?: FakeProvisioner;
  pgSchema?: string;
  /** Keep the schema/file after close (restart tests reopen it). */
  keep?: boolean;
  /** Give the reconciler its own connection to the same database, as `serve` does on PostgreSQL. */
  separateReconcilerStore?: boolean;
  sqlitePath?: string;
  /** A PostgreSQL URL other than VPCDNS_TEST_PG_URL (a database of the test's own, a proxy in front of it). */
  pgUrl?: string;
  /** token (default): X-Auth-Token from the config; password: a login token; sdk: the Huawei SDK over HTTP (AK/SK). */
  auth?: AuthMode;
  /** Overrides of the test auth settings (no rate limits by default). */
  authSettings?: Partial<AuthSettings>;
}

const A = { project: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', token: 'token-of-project-a-0123456789', vpc: '6f1c0e2a-0000-4000-8000-00000000000a', subnet: '6f1c0e2a-0000-4000-8000-0000000000a1' };
const B = { project: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', token: 'token-of-project-b-0123456789', vpc: '6f1c0e2a-0000-4000-8000-00000000000b', subnet: '6f1c0e2a-0000-4000-8000-0000000000b1' };

export const testConfig = (quotas: { inboundEndpoints?: number; outboundEndpoints?: number; resolverRules?: number } = {}) => ({
  region: 'ap-southeast-1',
  quotas: { inboundEndpoints: 50, outboundEndpoints: 50, resolverRules: 50, ...quotas },
  bodyLimit: 64 * 1024,
  sweepIntervalMs: 60_000,
  projects: [
    { id: A.project, name: 'alpha', tokens: [A.token], ...configIdentity(TEST_IDENTITIES.alpha) },
    { id: B.project, name: 'beta', tokens: [B.token], ...configIdentity(TEST_IDENTITIES.beta) },
  ],
  vpcs: [
    {
      id: A.vpc,
      project_id: A.project,
      name: 'vpc-a',
      cidr: '10.0.0.0/16',
      subnets: [
        { id: A.subnet, name: 'sub-a1', cidr: '10.0.1.0/24', gateway_ip: '10.0.1.1', neutron_subnet_id: 'a1a1a1a1-0000-4000-8000-00000000a1a1' },
        { id: '6f1c0e2a-0000-4000-8000-0000000000a2', name: 'sub-a2', cidr: '10.0.2.0/29', gateway_ip: '10.0.2.1' },
      ],
    },
    { id: '6f1c0e2a-0000-4000-8000-00000000000c', project_id: A.project, name: 'vpc-c', cidr: '10.9.0.0/16', subnets: [{ id: '6f1c0e2a-0000-4000-8000-0000000000c1', name: 'sub-c1', cidr: '10.9.1.0/24', gateway_ip: '10.9.1.1' }] },
    { id: B.vpc, project_id: B.project, name: 'vpc-b', cidr: '10.0.0.0/16', subnets: [{ id: B.subnet, name: 'sub-b1', cidr: '10.0.1.0/24', gateway_ip: '10.0.1.1' }] },
  ],
});

export const IDS = { A, B, subnetA2: '6f1c0e2a-0000-4000-8000-0000000000a2', vpcC: '6f1c0e2a-0000-4000-8000-00000000000c', subnetC1: '6f1c0e2a-0000-4000-8000-0000000000c1' };

export async function openTestStore(db: DbKind, opts: { pgSchema?: string; sqlitePath?: string; pgUrl?: string } = {}) {
  if (db === 'postgres') {
    if (!PG_URL) throw new Error(PG_SKIP_MESSAGE);
    return openStore(opts.pgUrl ?? PG_URL, { pgSchema: opts.pgSchema ?? `t_${randomBytes(6).toString('hex')}` });
  }
  return openStore(opts.sqlitePath ?? ':memory:');
}

export async function dropPgSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

export async function makeHarness(db: DbKind, opts: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  const provisioner = opts.provisioner ?? new FakeProvisioner();
  const pgSchema = opts.pgSchema ?? `t_${randomBytes(6).toString('hex')}`;
  const store = await openTestStore(db, { pgSchema, sqlitePath: opts.sqlitePath, pgUrl: opts.pgUrl });
  const reconcilerStore = opts.separateReconcilerStore && db === 'postgres' ? await openTestStore(db, { pgSchema, pgUrl: opts.pgUrl }) : undefined;
  const sys = await createSystem({
    store,
    reconcilerStore,
    config: { ...testConfig(opts.quotas), auth: { ...TEST_AUTH, ...opts.authSettings } },
    secrets: TEST_SECRETS,
    scrypt: TEST_SCRYPT,
    log: pino({ level: 'silent' }),
    clock,
    provisioner,
    mode: opts.mode ?? 'manual',
  });
  const inject: Harness['req'] = async (method, url, body, token = A.token) => {
    const res = await sys.app.inject({
      method: method as 'GET',
      url,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    let parsed: unknown = undefined;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = res.body;
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
  const auth = opts.auth ?? 'token';
  const identities = new Map<string, TestIdentity>([
    [A.token, { projectId: A.project, projectName: 'alpha', ...TEST_IDENTITIES.alpha }],
    [B.token, { projectId: B.project, projectName: 'beta', ...TEST_IDENTITIES.beta }],
  ]);
  const req = await clientFor(auth, { sys, clock, identities, defaultToken: A.token, inject });
  return {
    sys,
    clock,
    provisioner,
    db,
    auth,
    token: A.token,
    projectId: A.project,
    vpcId: A.vpc,
    subnetId: A.subnet,
    other: { token: B.token, projectId: B.project, vpcId: B.vpc, subnetId: B.subnet },
    req,
    settle: () => sys.reconciler.runOnce(),
    async close() {
      await sys.close();
      if (db === 'postgres' && !opts.keep) await dropPgSchema(pgSchema);
    },
  };
}

/** Creates an endpoint (default: two allocated addresses in subnet A1) and returns its wire body. */
export async function createEndpoint(h: Harness, overrides: Record<string, unknown> = {}) {
  const res = await h.req('POST', '/v2.1/endpoints', {
    name: `ep-${randomBytes(3).toString('hex')}`,
    direction: 'inbound',
    region: 'ap-southeast-1',
    ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId }],
    ...overrides,
  });
  if (res.status !== 202) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.endpoint as { id: string; name: string; status: string; vpc_id: string; ipaddress_count: number };
}
