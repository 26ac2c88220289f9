// Authentication benchmark: requests/s of an AK/SK-signed GET against the same GET with a token, in one run, plus the
// cost of verification alone.
//
//   npx tsx bench/auth.ts [--db sqlite,postgres] [--seconds 5] [--rounds 3] [--concurrency 8]
//
// The server runs in its own process (src/main.ts serve, data plane off, no rate limit) on a fresh database. Three
// kinds of rounds alternate, so drift (JIT, caches, the machine) hits them alike: X-Auth-Token; SDK-HMAC-SHA256 signed
// anew for every request (vpcdns's signer, which matches the SDK byte for byte), as a real client does; and signed
// once a second, which leaves the client's signing out and shows what verification costs the server (every request
// is still verified in full: HMAC, date window, key lookup and decryption).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { freshDatabase, pct, startServe, stopProcess } from './lib.ts';
import { signRequestHeaders, verifyRequest } from '../src/auth/aksk.ts';
import { SecretBox } from '../src/auth/secret-box.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const API_PORT = 18054;
const ORIGIN = `http://127.0.0.1:${API_PORT}`;
const PROJECT = 'cccccccccccccccccccccccccccccccc';
const TOKEN = `bench-${randomBytes(16).toString('hex')}`;
const AK = 'AKBENCH0000000000001';
const SK = randomBytes(20).toString('hex');
const SUBNET = '6f1c0e2a-0000-4000-8000-0000000000f1';

type Mode = 'token' | 'signed' | 'presigned';
const MODES: Mode[] = ['token', 'signed', 'presigned'];
const LABEL: Record<Mode, string> = { token: 'X-Auth-Token                 ', signed: 'AK/SK, signed per request   ', presigned: 'AK/SK, signed once a second ' };
let presigned: { at: number; headers: Record<string, string> } | undefined;

function headersFor(mode: Mode, path: string): Record<string, string> {
  const base = { 'content-type': 'application/json', 'x-project-id': PROJECT };
  if (mode === 'token') return { ...base, 'x-auth-token': TOKEN };
  const sign = () => signRequestHeaders({ method: 'GET', url: `${ORIGIN}${path}`, headers: base, ak: AK, sk: SK, date: Date.now() }) as Record<string, string>;
  if (mode === 'signed') return sign();
  const second = Math.floor(Date.now() / 1000);
  if (presigned?.at !== second) presigned = { at: second, headers: sign() };
  return presigned.headers;
}

/** CPU time (user + system) the server process has used, in microseconds, from /proc (Linux); NaN elsewhere. */
function serverCpuMicros(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
  } catch {
    return NaN;
  }
}
const TICKS_PER_SECOND = 100;

async function round(pool: Pool, mode: Mode, path: string, seconds: number, pid?: number): Promise<{ rps: number; ms: number[]; cpuPerRequest: number }> {
  const cpu0 = serverCpuMicros(pid);
  const deadline = performance.now() + seconds * 1000;
  const ms: number[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const res = await pool.request({ method: 'GET', path, headers: headersFor(mode, path) });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`${mode} GET ${path}: ${res.statusCode}`);
        ms.push(performance.now() - t);
      }
    }),
  );
  return { rps: ms.length / seconds, ms, cpuPerRequest: (serverCpuMicros(pid) - cpu0) / ms.length };
}

/** Microseconds per call of fn, over at least `ms` milliseconds. */
function perCall(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 1000; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return ((performance.now() - t0) * 1000) / n;
}

function verificationCost(): string[] {
  const path = '/v2.1/endpoints/0123456789abcdef0123456789abcdef';
  const headers = signRequestHeaders({ method: 'GET', url: `${ORIGIN}${path}`, headers: { 'content-type': 'application/json', 'x-project-id': PROJECT }, ak: AK, sk: SK, date: Date.now() });
  const input = { method: 'GET', rawUrl: path, headers, body: undefined, now: Date.now(), lookupSecret: () => SK };
  if (!verifyRequest(input).ok) throw new Error('the benchmark request does not verify');
  const box = SecretBox.ephemeral();
  const sealed = box.seal(SK, AK);
  return [
    `verification alone (in process): verifyRequest ${perCall(() => verifyRequest(input)).toFixed(1)} µs/op, ` +
      `SK decryption (AES-256-GCM) ${perCall(() => box.open(sealed, AK)).toFixed(1)} µs/op, ` +
      `client signing ${perCall(() => signRequestHeaders({ method: 'GET', url: `${ORIGIN}${path}`, headers: { 'x-project-id': PROJECT }, ak: AK, sk: SK, date: Date.now() })).toFixed(1)} µs/op`,
  ];
}

async function benchDatabase(kind: 'sqlite' | 'postgres'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-bench-auth-'));
  const database = await freshDatabase(kind, dir);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      region: 'ap-southeast-1',
      dns: { enabled: false },
      auth: { rate_limit: { requests_per_second: 0 } },
      projects: [{ id: PROJECT, name: 'bench', tokens: [TOKEN], access_keys: [{ access: AK, secret: SK }] }],
      vpcs: [
        {
          id: '6f1c0e2a-0000-4000-8000-0000000000f0',
          project_id: PROJECT,
          name: 'bench-vpc',
          cidr: '10.20.0.0/16',
          subnets: [{ id: SUBNET, name: 'bench-subnet', cidr: '10.20.1.0/24', gateway_ip: '10.20.1.1' }],
        },
      ],
    }),
  );
  const server = await startServe(['--config', join(dir, 'config.json'), '--db', database.url, '--log-level', 'info'], API_PORT, {
    env: { ...process.env, VPCDNS_SECRET_KEY_FILE: join(dir, 'secret.key') },
  });
  const pool = new Pool(ORIGIN, { connections: CONCURRENCY, pipelining: 1 });
  const lines: string[] = [];
  try {
    const created = await pool.request({
      method: 'POST',
      path: '/v2.1/endpoints',
      headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-ep', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: SUBNET }, { subnet_id: SUBNET }] }),
    });
    const ep = ((await created.body.json()) as { endpoint: { id: string } }).endpoint.id;
    const path = `/v2.1/endpoints/${ep}`;
    for (const mode of MODES) await round(pool, mode, path, 1); // warm-up, not reported
    const results: Record<Mode, { rps: number[]; ms: number[]; cpu: number[] }> = { token: { rps: [], ms: [], cpu: [] }, signed: { rps: [], ms: [], cpu: [] }, presigned: { rps: [], ms: [], cpu: [] } };
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order each round: no mode always runs first or last.
      for (const mode of MODES.map((_, i) => MODES[(i + r) % MODES.length]!)) {
        const { rps, ms, cpuPerRequest } = await round(pool, mode, path, SECONDS, server.pid);
        results[mode].rps.push(rps);
        results[mode].ms.push(...ms);
        results[mode].cpu.push(cpuPerRequest);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const mode of MODES) {
      const r = results[mode];
      lines.push(
        `${kind}, GET /v2.1/endpoints/{id}, ${LABEL[mode]} c=${CONCURRENCY}: ` +
          `${mean(r.rps).toFixed(0).padStart(6)} req/s (rounds: ${r.rps.map((x) => x.toFixed(0)).join(', ')})  p50 ${pct(r.ms, 50).toFixed(2)} ms  p99 ${pct(r.ms, 99).toFixed(2)} ms  ` +
          `server CPU ${mean(r.cpu).toFixed(0)} µs/request`,
      );
    }
    const token = mean(results.token.rps);
    const tokenCpu = mean(results.token.cpu);
    for (const mode of ['signed', 'presigned'] as const) {
      const ratio = mean(results[mode].rps) / token;
      const cpu = mean(results[mode].cpu);
      const more = ((cpu - tokenCpu) / tokenCpu) * 100;
      lines.push(
        `${kind}: ${LABEL[mode].trim()} / token = ${ratio.toFixed(3)} in requests/s; server CPU per request ${cpu.toFixed(0)} vs ${tokenCpu.toFixed(0)} µs (${more >= 0 ? '+' : ''}${more.toFixed(1)}%)`,
      );
    }
  } finally {
    await pool.close();
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
  return lines;
}

for (const line of verificationCost()) console.log(line);
for (const kind of args.db!.split(',') as Array<'sqlite' | 'postgres'>) {
  for (const line of await benchDatabase(kind)) console.log(line);
}
