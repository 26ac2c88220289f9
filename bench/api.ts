// Control-plane benchmark: complete bind cycles per second and latency, with many endpoints stored,
// on SQLite and PostgreSQL, against a trivial Fastify route measured in the same run.
//
//   npx tsx bench/api.ts [--db sqlite,postgres] [--endpoints 10000] [--seconds 10] [--concurrency 8,32]
//
// A complete cycle is what a real client does: bind an address (202), list the endpoint's addresses
// until the new one is ACTIVE (that is how it learns the address id), unbind it (202), list until it is
// gone. The server runs in its own process with its real data plane: every bound inbound address gets
// UDP and TCP listeners before it is ACTIVE. Each line also gives the server's CPU time (user + system,
// from /proc) per cycle and per request, which depends less on what else the machine is running. PostgreSQL uses BENCH_PG_URL (default
// postgres://postgres@127.0.0.1:5432/test) and a fresh schema.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { cpuMs, freshDatabase, pct, startNode, startServe, stopProcess } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite,postgres' },
    endpoints: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8,32' },
    dataplane: { type: 'string', default: 'on' },
  },
});
const STORED = Number(args.endpoints);
const SECONDS = Number(args.seconds);
const CONCURRENCY = args.concurrency!.split(',').map(Number);
const MAX_C = Math.max(...CONCURRENCY);
const API_PORT = 18053;
const TRIVIAL_PORT = 18099;
/** The server's log level: at info it writes one line per request, as in production. */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const TOKEN = `bench-${randomBytes(16).toString('hex')}`;
const PROJECT = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const SEED_SUBNET = '6f1c0e2a-0000-4000-8000-0000000000e1';
const CYCLE_SUBNET = '6f1c0e2a-0000-4000-8000-0000000000e2';

const ms = (x: number) => `${x.toFixed(2)} ms`;

class Client {
  readonly pool: Pool;
  requests = 0;
  constructor(port: number, connections: number) {
    this.pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1 });
  }
  async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; json: any }> {
    this.requests++;
    const res = await this.pool.request({
      method,
      path,
      headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
  }
  close() {
    return this.pool.close();
  }
}

async function createEndpoint(c: Client, name: string, direction: string, subnet: string): Promise<string> {
  const r = await c.call('POST', '/v2.1/endpoints', { name, direction, region: 'ap-southeast-1', ipaddresses: [{ subnet_id: subnet }, { subnet_id: subnet }] });
  if (r.status !== 202) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.endpoint.id;
}

async function waitActive(c: Client, id: string): Promise<void> {
  for (;;) {
    const r = await c.call('GET', `/v2.1/endpoints/${id}`);
    if (r.json.endpoint.status === 'ACTIVE') return;
    if (r.json.endpoint.status === 'ERROR') throw new Error(`endpoint ${id} is ERROR`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

interface CycleResult {
  cycles: number;
  seconds: number;
  requests: number;
  cycleMs: number[];
  bindMs: number[];
  polls: number;
  /** Server CPU (user + system) spent during the run, when its pid is known. */
  serverCpuMs: number;
}

/** One worker per endpoint: bind, poll until ACTIVE, unbind, poll until gone, for `seconds`. */
async function runCycles(c: Client, endpoints: string[], seconds: number, serverPid?: number): Promise<CycleResult> {
  const result: CycleResult = { cycles: 0, seconds, requests: 0, cycleMs: [], bindMs: [], polls: 0, serverCpuMs: NaN };
  const startRequests = c.requests;
  const cpu0 = serverPid === undefined ? NaN : cpuMs(serverPid);
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    endpoints.map(async (ep) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const before = new Set(((await c.call('GET', `/v2.1/endpoints/${ep}/ipaddresses`)).json.ipaddresses as any[]).map((a) => a.id));
        const t1 = performance.now();
        const bind = await c.call('POST', `/v2.1/endpoints/${ep}/ipaddresses`, { ipaddress: { ip: '', subnet_id: CYCLE_SUBNET } });
        result.bindMs.push(performance.now() - t1);
        if (bind.status !== 202) throw new Error(`bind: ${bind.status} ${JSON.stringify(bind.json)}`);
        let added: any;
        for (;;) {
          result.polls++;
          const list = (await c.call('GET', `/v2.1/endpoints/${ep}/ipaddresses`)).json.ipaddresses as any[];
          added = list.find((a) => !before.has(a.id));
          if (added?.status === 'ACTIVE') break;
          if (added?.status === 'ERROR') throw new Error(`address ERROR: ${added.error_info}`);
        }
        const unbind = await c.call('DELETE', `/v2.1/endpoints/${ep}/ipaddresses/${added.id}`);
        if (unbind.status !== 202) throw new Error(`unbind: ${unbind.status} ${JSON.stringify(unbind.json)}`);
        for (;;) {
          result.polls++;
          const list = (await c.call('GET', `/v2.1/endpoints/${ep}/ipaddresses`)).json.ipaddresses as any[];
          if (!list.some((a) => a.id === added.id)) break;
        }
        // The first list (learning the current set) is client bookkeeping; the cycle is bind..gone.
        result.cycleMs.push(performance.now() - t1);
        void t0;
        result.cycles++;
      }
    }),
  );
  result.requests = c.requests - startRequests;
  if (serverPid !== undefined) result.serverCpuMs = cpuMs(serverPid) - cpu0;
  return result;
}

function reportCycles(label: string, r: CycleResult): string {
  const rate = r.cycles / r.seconds;
  return `${label.padEnd(34)} ${rate.toFixed(0).padStart(6)} cycles/s  ${(r.requests / r.seconds).toFixed(0).padStart(6)} req/s  cycle p50 ${ms(pct(r.cycleMs, 50))} p99 ${ms(pct(r.cycleMs, 99))}  bind p50 ${ms(pct(r.bindMs, 50))} p99 ${ms(pct(r.bindMs, 99))}  polls/cycle ${(r.polls / Math.max(1, r.cycles)).toFixed(2)}  server CPU ${(r.serverCpuMs / Math.max(1, r.cycles)).toFixed(2)} ms/cycle ${(r.serverCpuMs / Math.max(1, r.requests)).toFixed(3)} ms/req`;
}

async function timeRequests(c: Client, path: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await c.call('GET', path);
    if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
    out.push(performance.now() - t);
  }
  return out;
}

async function trivialCeiling(seconds: number, concurrency: number): Promise<{ rate: number; cpuMsPerRequest: number }> {
  const server = await startNode(['--import', 'tsx', 'bench/trivial-server.ts', String(TRIVIAL_PORT)], /ready/);
  const c = new Client(TRIVIAL_PORT, concurrency);
  try {
    const cpu0 = cpuMs(server.pid!);
    const deadline = performance.now() + seconds * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          await c.call('GET', '/ping');
          n++;
        }
      }),
    );
    return { rate: n / seconds, cpuMsPerRequest: (cpuMs(server.pid!) - cpu0) / n };
  } finally {
    await c.close();
    await stopProcess(server);
  }
}

async function benchDatabase(kind: 'sqlite' | 'postgres', ceiling: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-bench-'));
  const lines: string[] = [];
  const database = await freshDatabase(kind, dir);
  const config = {
    region: 'ap-southeast-1',
    dns: { enabled: args.dataplane !== 'off' },
    // The benchmark is one project doing thousands of requests a second: lift the per-project limit.
    auth: { rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 } },
    quotas: { inbound_endpoints: 100000, outbound_endpoints: 100000 },
    projects: [{ id: PROJECT, name: 'bench', tokens: [TOKEN] }],
    vpcs: [
      {
        id: '6f1c0e2a-0000-4000-8000-0000000000e0',
        project_id: PROJECT,
        name: 'bench-vpc',
        cidr: '127.20.0.0/15',
        subnets: [
          { id: SEED_SUBNET, name: 'seed', cidr: '127.20.0.0/16', gateway_ip: '127.20.0.1' },
          { id: CYCLE_SUBNET, name: 'cycle', cidr: '127.21.0.0/24', gateway_ip: '127.21.0.1' },
        ],
      },
    ],
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const server = await startServe(['--config', join(dir, 'config.json'), '--db', database.url, '--dns-port', '15353', '--log-level', LOG_LEVEL], API_PORT, {
    nodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  });
  const c = new Client(API_PORT, MAX_C);
  try {
    const cycleEps: string[] = [];
    for (let i = 0; i < MAX_C; i++) cycleEps.push(await createEndpoint(c, `cycle-${i}`, 'inbound', CYCLE_SUBNET));
    for (const id of cycleEps) await waitActive(c, id);

    await runCycles(c, cycleEps.slice(0, CONCURRENCY[0]), 2); // warm-up (JIT, caches), not reported
    const empty = await runCycles(c, cycleEps.slice(0, CONCURRENCY[0]), Math.min(5, SECONDS), server.pid);
    lines.push(reportCycles(`${kind}, ${MAX_C} endpoints stored, c=${CONCURRENCY[0]}`, empty));

    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < STORED) {
          const i = next++;
          await createEndpoint(c, `seed-${i}`, 'outbound', SEED_SUBNET);
        }
      }),
    );
    const seedSecs = (performance.now() - t0) / 1000;
    lines.push(`${kind}: stored ${STORED} more endpoints (2 addresses each) in ${seedSecs.toFixed(1)} s = ${(STORED / seedSecs).toFixed(0)} creates/s at c=32`);
    // Let the reconciler settle the seed before measuring.
    const settle0 = performance.now();
    for (;;) {
      const r = await c.call('GET', `/v2.1/endpoints?direction=outbound&limit=500&offset=${Math.max(0, STORED - 500)}`);
      if ((r.json.endpoints as any[]).every((e) => e.status === 'ACTIVE')) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    lines.push(`${kind}: seed settled (all ACTIVE) ${((performance.now() - settle0) / 1000).toFixed(1)} s after the last create returned`);

    for (const conc of CONCURRENCY) {
      const r = await runCycles(c, cycleEps.slice(0, conc), SECONDS, server.pid);
      lines.push(reportCycles(`${kind}, ${STORED + MAX_C} endpoints stored, c=${conc}`, r));
      lines.push(`    API requests/s during cycles vs trivial Fastify route: ${((r.requests / r.seconds / ceiling) * 100).toFixed(1)}% (ratio ${(r.requests / r.seconds / ceiling).toFixed(3)})`);
    }
    const listFirst = await timeRequests(c, '/v2.1/endpoints?direction=outbound&limit=500', 50);
    const listPage = await timeRequests(c, `/v2.1/endpoints?direction=outbound&limit=10&offset=${Math.max(0, STORED - 20)}`, 200);
    const show = await timeRequests(c, `/v2.1/endpoints/${cycleEps[0]}`, 500);
    lines.push(`${kind}: list endpoints limit=500 of ${STORED}: p50 ${ms(pct(listFirst, 50))} p99 ${ms(pct(listFirst, 99))}`);
    lines.push(`${kind}: list endpoints limit=10 offset=${STORED - 20}: p50 ${ms(pct(listPage, 50))} p99 ${ms(pct(listPage, 99))}`);
    lines.push(`${kind}: show endpoint: p50 ${ms(pct(show, 50))} p99 ${ms(pct(show, 99))}`);
  } finally {
    await c.close();
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
  return lines;
}

const trivial = await trivialCeiling(Math.min(5, SECONDS), 8);
const ceiling8 = trivial.rate;
console.log(`trivial Fastify route (same client, separate process), c=8: ${ceiling8.toFixed(0)} req/s, server CPU ${trivial.cpuMsPerRequest.toFixed(3)} ms/req`);
for (const kind of args.db!.split(',') as Array<'sqlite' | 'postgres'>) {
  for (const line of await benchDatabase(kind, ceiling8)) console.log(line);
}
