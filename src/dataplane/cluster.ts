// The data plane spread over worker processes (node:cluster): contract.ts's DnsDataPlane, like DataPlane.
//
// UDP: with native sockets (the default) each worker binds a listener socket of its own in the address's
// SO_REUSEPORT group, and the kernel hashes each client flow to one of them; with node:dgram sockets (Node
// 20 has no SO_REUSEPORT) the primary opens one socket and shares it, and the kernel hands each datagram to
// one of the workers waiting on it. TCP: the primary listens and deals connections out in turn. Each worker
// forwards from upstream sockets of its own (bound exclusive), so replies come back to the worker that
// asked. The primary keeps the wanted state (listeners, VPC contexts) and replays it into a worker that
// replaces one that died.
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import type { Logger } from 'pino';
import type { FromWorker, WorkerCall, WorkerInit } from './cluster-protocol.ts';
import { probeSourceAddress } from './data-plane.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { canonicalIp } from './route-table.ts';
import { emptyStats, type DataPlaneStats, type DnsDataPlane, type VpcContext } from './contract.ts';
import { mergeStats } from './stats.ts';

export interface ClusterOptions {
  /** Worker processes (at least 2; one process is the plain DataPlane). */
  readonly workers: number;
  readonly init: Omit<WorkerInit, 'instanceIdHex'>;
  readonly log?: Logger;
  /** Longest wait for a worker to answer a call (default 10000 ms). */
  readonly callTimeoutMs?: number;
}

interface Member {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (m: FromWorker & { t: 'result' }) => void; reject: (e: Error) => void }>;
  ready: boolean;
  /** Addresses bound in this worker. */
  readonly bound: Set<string>;
  /** The counters it reported last (kept when it dies, so that totals do not go backwards). */
  lastStats: DataPlaneStats | null;
}

interface Wanted {
  readonly vpcId: string;
  readonly endpointId: string | null;
}

const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;

export class ClusterDataPlane implements DnsDataPlane {
  private readonly members = new Map<number, Member>();
  private readonly wanted = new Map<string, Wanted>();
  /** Bind and unbind operations on one address run one after another. */
  private readonly queue = new KeyedQueue();
  private vpcs: readonly VpcContext[] = [];
  private retired = emptyStats();
  private nextId = 1;
  private closing = false;
  private restartDelay = RESTART_MIN_MS;
  private readonly instanceIdHex = randomBytes(4).toString('hex');
  private readonly callTimeoutMs: number;

  private constructor(private readonly o: ClusterOptions) {
    this.callTimeoutMs = o.callTimeoutMs ?? 10_000;
  }

  /** Forks the workers and resolves once every one of them is ready. */
  static async start(o: ClusterOptions): Promise<ClusterDataPlane> {
    if (!cluster.isPrimary) throw new Error('a cluster data plane starts in the primary process');
    if (!Number.isInteger(o.workers) || o.workers < 2) throw new Error(`a cluster needs at least 2 workers, got ${o.workers}`);
    cluster.setupPrimary({
      exec: fileURLToPath(new URL('./worker-entry.js', import.meta.url)),
      args: [],
      // The worker entry loads tsx itself; flags such as --cpu-prof or heap sizes pass through.
      execArgv: workerExecArgv(process.execArgv),
      silent: false,
    });
    const plane = new ClusterDataPlane(o);
    await Promise.all(Array.from({ length: o.workers }, () => plane.fork()));
    return plane;
  }

  /** Process ids of the running workers (operations and tests). */
  workerPids(): number[] {
    return this.readyMembers().map((m) => m.worker.process.pid ?? -1);
  }

  get workerCount(): number {
    return this.readyMembers().length;
  }

  /** Why the data plane cannot serve everything it should (for readiness); null when it can. */
  unavailable(): string | null {
    const ready = this.workerCount;
    return ready < this.o.workers ? `${ready} of ${this.o.workers} DNS workers running` : null;
  }

  bindListener(ip: string, vpcId: string, endpointId: string | null = null): Promise<void> {
    if (net.isIP(ip) === 0) return Promise.reject(new Error(`cannot bind ${ip}: not an IP address`));
    const key = canonicalIp(ip);
    return this.queue.run(key, async () => {
      if (this.closing) throw new Error(`cannot bind ${ip}: the data plane is closed`);
      const existing = this.wanted.get(key);
      if (existing !== undefined && existing.vpcId !== vpcId) throw new Error(`cannot bind ${ip}: already bound for VPC ${existing.vpcId}`);
      const members = this.readyMembers();
      // Nobody would answer: say so (the address goes to ERROR and is retried) rather than claim it is served.
      if (members.length === 0) throw new Error(`cannot bind ${ip}:${this.o.init.options.port}: no DNS worker is running`);
      const results = await Promise.allSettled(members.map((m) => this.bindIn(m, key, vpcId, endpointId)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) {
        // All or nothing: an address that only some workers serve would answer some queries and drop others.
        await Promise.allSettled(members.filter((m) => m.bound.has(key)).map((m) => this.unbindIn(m, key)));
        throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
      }
      this.wanted.set(key, { vpcId, endpointId });
    });
  }

  unbindListener(ip: string): Promise<void> {
    const key = net.isIP(ip) === 0 ? ip : canonicalIp(ip);
    return this.queue.run(key, async () => {
      this.wanted.delete(key);
      await Promise.allSettled(this.readyMembers().map((m) => this.unbindIn(m, key)));
    });
  }

  probeSource(ip: string): Promise<void> {
    return probeSourceAddress(ip);
  }

  /** Hands the VPC contexts to every worker; resolves once all of them have them. */
  async setVpcs(vpcs: readonly VpcContext[]): Promise<void> {
    this.vpcs = vpcs;
    await Promise.allSettled(this.readyMembers().map((m) => this.call(m, { op: 'setVpcs', vpcs })));
  }

  /** Addresses bound in every running worker. */
  boundAddresses(): string[] {
    const members = this.readyMembers();
    if (members.length === 0) return [];
    return [...this.wanted.keys()].filter((ip) => members.every((m) => m.bound.has(ip)));
  }

  /** The workers' counters added up (a worker that died still counts with what it reported last). */
  async stats(): Promise<DataPlaneStats> {
    const members = this.readyMembers();
    const results = await Promise.allSettled(members.map((m) => this.call(m, { op: 'stats' })));
    results.forEach((r, i) => {
      if (r.status === 'fulfilled' && r.value.ok && r.value.stats) members[i]!.lastStats = r.value.stats;
    });
    const live = members.map((m) => m.lastStats).filter((s): s is DataPlaneStats => s !== null);
    // Retired workers' gauges (in flight, cache entries) were zeroed when they died; listeners are the cluster's own.
    return { ...mergeStats([this.retired, ...live]), listeners: this.boundAddresses().length };
  }

  /** Closes every worker's listeners (draining queries in flight) and stops the workers. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const members = [...this.members.values()];
    await Promise.allSettled(members.filter((m) => m.ready).map((m) => this.call(m, { op: 'close' })));
    await Promise.all(
      members.map(
        (m) =>
          new Promise<void>((resolve) => {
            if (m.worker.isDead()) return resolve();
            m.worker.once('exit', () => resolve());
            m.worker.disconnect();
            setTimeout(() => m.worker.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }

  private readyMembers(): Member[] {
    return [...this.members.values()].filter((m) => m.ready);
  }

  private async bindIn(m: Member, ip: string, vpcId: string, endpointId: string | null): Promise<void> {
    const r = await this.call(m, { op: 'bind', ip, vpcId, endpointId });
    if (!r.ok) throw new Error(r.error);
    m.bound.add(ip);
  }

  private async unbindIn(m: Member, ip: string): Promise<void> {
    const r = await this.call(m, { op: 'unbind', ip });
    m.bound.delete(ip);
    if (!r.ok) throw new Error(r.error);
  }

  private call(m: Member, call: WorkerCall): Promise<FromWorker & { t: 'result' }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        m.pending.delete(id);
        reject(new Error(`DNS worker ${m.worker.process.pid} did not answer ${call.op} within ${this.callTimeoutMs} ms`));
      }, this.callTimeoutMs);
      m.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      try {
        m.worker.send({ t: 'call', id, call });
      } catch (e) {
        m.pending.delete(id);
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Starts one worker; resolves when it is ready and holds the wanted state. */
  private fork(): Promise<void> {
    const worker = cluster.fork();
    const m: Member = { worker, pending: new Map(), ready: false, bound: new Set(), lastStats: null };
    this.members.set(worker.id, m);
    const log = this.o.log;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      worker.on('message', (msg: FromWorker) => {
        if (msg.t === 'hello') {
          worker.send({ t: 'init', init: { ...this.o.init, instanceIdHex: this.instanceIdHex } });
          return;
        }
        if (msg.t === 'ready') {
          this.replay(m).then(
            () => {
              m.ready = true;
              settled = true;
              log?.info({ worker: worker.process.pid }, 'DNS worker ready');
              resolve();
            },
            (e: unknown) => {
              log?.error({ worker: worker.process.pid, err: (e as Error).message }, 'DNS worker could not take the current state');
              worker.kill();
            },
          );
          return;
        }
        const p = m.pending.get(msg.id);
        if (p === undefined) return;
        m.pending.delete(msg.id);
        p.resolve(msg);
      });
      worker.on('error', (err) => log?.warn({ worker: worker.process.pid, err: err.message }, 'DNS worker IPC error'));
      worker.on('exit', (code, signal) => {
        this.members.delete(worker.id);
        for (const p of m.pending.values()) p.reject(new Error(`DNS worker ${worker.process.pid} exited`));
        m.pending.clear();
        if (m.lastStats !== null) this.retired = mergeStats([this.retired, { ...m.lastStats, inFlight: 0, cacheEntries: 0, cacheBytes: 0 }]);
        if (!settled) {
          settled = true;
          reject(new Error(`DNS worker exited during start (code ${code}, signal ${signal})`));
          return;
        }
        if (this.closing) return;
        log?.error({ worker: worker.process.pid, code, signal, restartInMs: this.restartDelay }, 'DNS worker died; starting another');
        const delay = this.restartDelay;
        this.restartDelay = Math.min(this.restartDelay * 2, RESTART_MAX_MS);
        setTimeout(() => {
          if (this.closing) return;
          this.fork().then(
            () => {
              this.restartDelay = RESTART_MIN_MS;
            },
            (e: unknown) => log?.error({ err: (e as Error).message }, 'DNS worker could not start'),
          );
        }, delay).unref();
      });
    });
  }

  /**
   * Gives a new worker the current VPC contexts and listeners, until it holds exactly the wanted state
   * (binds and VPC changes can happen while it catches up; it only counts as ready once nothing is
   * missing). A bind that fails there is logged and not retried.
   */
  private async replay(m: Member): Promise<void> {
    const failed = new Set<string>();
    let sentVpcs: readonly VpcContext[] | null = null;
    for (;;) {
      const vpcs = this.vpcs;
      const missing = [...this.wanted].filter(([ip]) => !m.bound.has(ip) && !failed.has(ip));
      const extra = [...m.bound].filter((ip) => !this.wanted.has(ip));
      if (sentVpcs === vpcs && missing.length === 0 && extra.length === 0) return;
      if (sentVpcs !== vpcs) {
        await this.call(m, { op: 'setVpcs', vpcs });
        sentVpcs = vpcs;
      }
      await Promise.all([
        ...missing.map(async ([ip, w]) => {
          try {
            await this.bindIn(m, ip, w.vpcId, w.endpointId);
          } catch (e) {
            failed.add(ip);
            this.o.log?.error({ ip, worker: m.worker.process.pid, err: (e as Error).message }, 'DNS worker could not bind a listener');
          }
        }),
        ...extra.map((ip) => this.unbindIn(m, ip).catch(() => undefined)),
      ]);
    }
  }
}

/** The parent's node flags minus tsx's own loader (the worker entry registers it), so that profiling or heap flags carry over. */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const takesValue = arg === '--require' || arg === '-r' || arg === '--import' || arg === '--loader' || arg === '--experimental-loader';
    if (takesValue) {
      const value = execArgv[i + 1] ?? '';
      i++;
      if (isTsx(value)) continue;
      out.push(arg, value);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0 && /^(--require|--import|--loader|--experimental-loader)$/.test(arg.slice(0, eq)) && isTsx(arg.slice(eq + 1))) continue;
    out.push(arg);
  }
  return out;
}

function isTsx(spec: string): boolean {
  return spec === 'tsx' || spec.startsWith('tsx/') || /[\\/]tsx[\\/]/.test(spec);
}
