// What the benchmarks share: percentiles, starting and stopping processes, and a fresh database per run.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks, USER_HZ = 100 on Linux
  } catch {
    return NaN;
  }
}

/** Starts a node process; resolves when its output matches `ready`, or at once when `ready` is null. */
export function startNode(args: string[], ready: RegExp | null, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    if (ready === null) resolve(child);
    let out = '';
    const onData = (d: Buffer) => {
      if (out.length > 100_000) return;
      out += d.toString();
      if (ready?.test(out)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    // Keep draining after ready (request logs), so the child never blocks on a full pipe.
    child.stdout!.resume();
    child.stderr!.resume();
    child.on('exit', (code) => reject(new Error(`process exited (${code}) before ready:\n${out.slice(-2000)}`)));
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts `vpcdns serve` with the given arguments and resolves once /healthz answers on `port`. */
export async function startServe(serveArgs: string[], port: number, opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ChildProcess> {
  const child = await startNode([...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts', 'serve', '--listen', `127.0.0.1:${port}`, ...serveArgs], null, opts.env);
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 300 && !exited; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopProcess(child);
  throw new Error(`vpcdns on port ${port} did not become healthy`);
}

/** A fresh database for one run: a SQLite file in `dir`, or a new PostgreSQL schema selected by the URL. */
export async function freshDatabase(kind: 'sqlite' | 'postgres', dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'sqlite') return { url: join(dir, 'bench.sqlite'), drop: async () => {} };
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema ${schema}`);
  const u = new URL(PG_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => admin(`drop schema ${schema} cascade`) };
}
