// The in-process data plane (contract.ts's DnsDataPlane): listeners per address, routing per VPC, stats and shutdown.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { systemClock } from '../domain/clock.ts';
import type { Clock } from '../domain/clock.ts';
import { PacketCache } from './cache.ts';
import { Forwarder } from './forwarder.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { TargetHealth } from './health.ts';
import { Listener, bindErrorMessage, type TcpLimits } from './listeners.ts';
import { QueryLogWriter } from './query-log.ts';
import { Resolver } from './resolver.ts';
import type { VpcRouting } from './resolver.ts';
import { RouteTable, canonicalIp, routingFingerprint } from './route-table.ts';
import { emptyStats, type DataPlaneStats, type DnsDataPlane, type VpcContext } from './contract.ts';
import { addAnswerCounts, newAnswerCounter, type AnswerCounter } from './stats.ts';
import { SendQueue } from './send-queue.ts';
import { familyOf, nativeSendCounters, nativeUdpStatus, openDatagramSocket, resolveUdpIo, type UdpIo } from './datagram.ts';
import { UdpUpstreamPool } from './upstream-pool.ts';

/** Every setting; docs/dataplane.md explains each one. */
export interface DataPlaneOptions {
  /** DNS port of every listener (UDP and TCP). */
  port: number;
  clock?: Clock;
  log?: Logger;
  /** Deadline of one attempt at one upstream target (default 1500). */
  queryTimeoutMs?: number;
  /** Targets tried per query, each at most once (default 3). */
  maxAttempts?: number;
  /** Queries waiting for an upstream at once; beyond it the answer is SERVFAIL (default 10000). */
  maxInFlight?: number;
  /** Cached replies, all VPCs together (default 10000); 0 disables the cache. */
  cacheSize?: number;
  /** Bytes the cache may hold, all VPCs together (default 64 MiB; docs/dataplane.md, "Cache"). */
  cacheBytes?: number;
  /** A reply whose entry would be larger than this is not cached (default 16384). */
  cacheMaxEntryBytes?: number;
  /** Upper bound of a positive cache TTL in seconds (default 86400). */
  cacheMaxTtl?: number;
  /** Upper bound of a negative cache TTL in seconds (default 3600). */
  cacheMaxNegativeTtl?: number;
  /** EDNS UDP payload size advertised upstream (default 1232, never more). */
  upstreamUdpSize?: number;
  /** How long the UDP socket (and random port) of a source address is used before a fresh one replaces it, ms (default 1000). */
  portRotationMs?: number;
  /** Forward queries that came over TCP over TCP (RFC 5625 4.4) instead of UDP first (default false). */
  forwardTcpOverTcp?: boolean;
  /** Consecutive failures before a target is marked down (default 2). */
  failuresToMarkDown?: number;
  /** Time a down target rests before one query probes it (default 2000), doubling to maxDownBackoffMs (default 30000). */
  downBackoffMs?: number;
  maxDownBackoffMs?: number;
  /** A query that already went through this many vpcdns instances is a loop (default 4). */
  maxHops?: number;
  /** TCP limits per listener (docs/dataplane.md, limits); defaults in TCP_DEFAULTS. */
  tcpIdleTimeoutMs?: number;
  tcpFrameTimeoutMs?: number;
  tcpMaxConnections?: number;
  tcpMaxPipelined?: number;
  tcpMaxQueryBytes?: number;
  tcpWriteHighWaterBytes?: number;
  tcpMaxQueuedBytes?: number;
  /** How long unbindListener waits for queries in flight (default queryTimeoutMs * maxAttempts). */
  drainTimeoutMs?: number;
  /** A UDP query longer than this is answered FORMERR and not forwarded (default 4096). */
  udpMaxQueryBytes?: number;
  /** SO_RCVBUF of listener UDP sockets (default 4 MiB, capped by the kernel); 0 keeps the system default. */
  udpRecvBufferBytes?: number;
  /**
   * UDP socket implementation (default "auto": the vpcdns_udp addon when it loaded, else node:dgram;
   * "native" fails if the addon is missing). In cluster workers a native listener joins the address's
   * SO_REUSEPORT group; a dgram one is shared through the primary.
   */
  udpIo?: UdpIo;
  /** Bytes a query log file may have waiting before lines are dropped (default 4 MiB). */
  queryLogMaxBufferBytes?: number;
  /** 4 bytes naming this vpcdns in the loop-detection option (default random); the workers of one cluster share it. */
  instanceId?: Buffer;
  /** This node's name: the NSID for clients that ask (RFC 5001), and the answer to CHAOS hostname.bind/id.server (default: none, REFUSED). */
  identity?: string;
  /** The answer to CHAOS version.bind/version.server (default: none, REFUSED). */
  version?: string;
  /** Pass EDNS CLIENT-SUBNET options between clients and upstreams (default false: stripped both ways); replies carrying one are not cached. */
  passClientSubnet?: boolean;
  /** Listener sockets shared with other cluster workers (set in worker processes; TCP is then not exclusive). */
  sharedListeners?: boolean;
}

/** The TCP limits of a listener unless the options say otherwise (RFC 7766 6.2.3; unbound and knot use similar ones). */
export const TCP_DEFAULTS: TcpLimits = {
  tcpIdleTimeoutMs: 10_000,
  tcpFrameTimeoutMs: 2_000,
  tcpMaxConnections: 1000,
  tcpMaxPipelined: 64,
  tcpMaxQueryBytes: 16384,
  tcpWriteHighWaterBytes: 16384,
  tcpMaxQueuedBytes: 256 * 1024,
};

/** The cache's byte bounds unless the options say otherwise. */
export const CACHE_DEFAULTS = { cacheBytes: 64 * 1024 * 1024, cacheMaxEntryBytes: 16384 } as const;

/** Checks that ip can be a source address (binds a UDP socket to ip:0 and closes it). */
export function probeSourceAddress(ip: string): Promise<void> {
  if (net.isIP(ip) === 0) return Promise.reject(new Error(`cannot use ${ip} as a source address: not an IP address`));
  const probe = { io: 'node' as const, family: familyOf(ip), address: ip, port: 0, exclusive: true, recvBufferBytes: 0, onMessage: () => {}, onError: () => {} };
  return openDatagramSocket(probe).then(
    (socket) => socket.close(),
    (err: unknown) => {
      throw new Error(bindErrorMessage(ip, 0, 'udp', err).replace(/^cannot bind/, 'cannot use source address'));
    },
  );
}

interface Bound {
  readonly vpcId: string;
  readonly listener: Listener;
}

export class DataPlane implements DnsDataPlane {
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly counters = emptyStats();
  private readonly cache: PacketCache | null;
  private readonly pool: UdpUpstreamPool;
  private readonly health: TargetHealth;
  private readonly queryLog: QueryLogWriter;
  private readonly resolver: Resolver;
  private readonly listeners = new Map<string, Bound>();
  /** Bind and unbind operations on one address run one after another. */
  private readonly queue = new KeyedQueue();
  /** Every UDP datagram this data plane sends (answers and upstream queries) goes out through it, in bursts. */
  private readonly sendQueue = new SendQueue();
  /** The UDP socket implementation in use (datagram.ts). */
  private readonly udpIo: 'native' | 'node';
  private routing = new Map<string, VpcRouting>();
  /** Answers by (VPC, endpoint), kept after their listeners go so that totals never go down. */
  private readonly answerCounters = new Map<string, AnswerCounter>();
  private closed = false;

  constructor(private readonly opts: DataPlaneOptions) {
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new Error(`invalid DNS port ${opts.port}`);
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    const timeoutMs = opts.queryTimeoutMs ?? 1500;
    const maxAttempts = opts.maxAttempts ?? 3;
    const cacheSize = opts.cacheSize ?? 10000;
    const cacheLimits = { maxBytes: opts.cacheBytes ?? CACHE_DEFAULTS.cacheBytes, maxEntryBytes: opts.cacheMaxEntryBytes ?? CACHE_DEFAULTS.cacheMaxEntryBytes };
    this.cache = cacheSize > 0 ? new PacketCache(cacheSize, this.clock, undefined, cacheLimits) : null;
    this.udpIo = resolveUdpIo(opts.udpIo ?? 'auto');
    if (this.udpIo === 'node' && (opts.udpIo ?? 'auto') === 'auto') {
      opts.log?.warn({ err: nativeUdpStatus().error }, 'the vpcdns_udp addon did not load; UDP goes through node:dgram (slower: docs/dataplane.md)');
    }
    this.pool = new UdpUpstreamPool({
      timeoutMs,
      portRotationMs: opts.portRotationMs ?? 1000,
      now: () => performance.now(),
      sendQueue: this.sendQueue,
      udpIo: this.udpIo,
      log: opts.log,
    });
    this.health = new TargetHealth(
      { failuresToMarkDown: opts.failuresToMarkDown ?? 2, downBackoffMs: opts.downBackoffMs ?? 2000, maxDownBackoffMs: opts.maxDownBackoffMs ?? 30000 },
      () => this.clock.now(),
    );
    this.queryLog = new QueryLogWriter(opts.queryLogMaxBufferBytes ?? 4 * 1024 * 1024, opts.log);
    const instanceId = opts.instanceId ?? randomBytes(4);
    if (instanceId.length !== 4) throw new Error('instanceId must be 4 bytes');
    const forwarder = new Forwarder(
      {
        timeoutMs,
        maxAttempts,
        upstreamUdpSize: Math.min(opts.upstreamUdpSize ?? 1232, 1232),
        forwardTcpOverTcp: opts.forwardTcpOverTcp ?? false,
        passClientSubnet: opts.passClientSubnet ?? false,
        instanceId,
        isOwnListener: (ip, port) => port === this.opts.port && this.listeners.has(ip),
        log: opts.log,
      },
      this.pool,
      this.health,
      this.counters,
    );
    this.resolver = new Resolver(
      {
        clock: this.clock,
        maxInFlight: opts.maxInFlight ?? 10000,
        maxHops: opts.maxHops ?? 4,
        instanceIdHex: instanceId.toString('hex'),
        ttlLimits: { maxTtl: opts.cacheMaxTtl ?? 86400, maxNegativeTtl: opts.cacheMaxNegativeTtl ?? 3600 },
        chaos: { identity: opts.identity, version: opts.version },
        passClientSubnet: opts.passClientSubnet ?? false,
        udpMaxQueryBytes: opts.udpMaxQueryBytes ?? 4096,
        log: opts.log,
      },
      this.counters,
      this.cache,
      forwarder,
      this.queryLog,
    );
  }

  /**
   * Binds UDP and TCP on ip:port for an inbound address of vpcId (of the inbound endpoint endpointId,
   * which its answers are counted under; null for a VPC resolver address); idempotent for the same ip and VPC.
   */
  bindListener(ip: string, vpcId: string, endpointId: string | null = null): Promise<void> {
    if (net.isIP(ip) === 0) return Promise.reject(new Error(`cannot bind ${ip}: not an IP address`));
    const key = canonicalIp(ip);
    return this.queue.run(key, async () => {
      if (this.closed) throw new Error(`cannot bind ${ip}: the data plane is closed`);
      const existing = this.listeners.get(key);
      if (existing !== undefined) {
        if (existing.vpcId === vpcId) return;
        throw new Error(`cannot bind ${ip}:${this.opts.port}: already bound for VPC ${existing.vpcId}`);
      }
      const counterKey = `${vpcId}\u0000${endpointId ?? ''}`;
      let counter = this.answerCounters.get(counterKey);
      if (counter === undefined) this.answerCounters.set(counterKey, (counter = newAnswerCounter(vpcId, endpointId)));
      const c = counter;
      const listener = await Listener.open(key, this.listenerOptions(), (msg, client) => this.resolver.handle(c, msg, client));
      this.listeners.set(key, { vpcId, listener });
      this.log?.info({ ip: key, port: this.opts.port, vpcId }, 'DNS listener bound');
    });
  }

  /** Closes both sockets of ip; queries in flight are answered first, up to drainTimeoutMs. */
  unbindListener(ip: string): Promise<void> {
    const key = net.isIP(ip) === 0 ? ip : canonicalIp(ip);
    return this.queue.run(key, async () => {
      const bound = this.listeners.get(key);
      if (bound === undefined) return;
      this.listeners.delete(key);
      await bound.listener.close();
      this.log?.info({ ip: key, vpcId: bound.vpcId }, 'DNS listener unbound');
    });
  }

  /** Checks that ip can be a source address (binds a UDP socket to ip:0 and closes it). */
  probeSource(ip: string): Promise<void> {
    return probeSourceAddress(ip);
  }

  /** Replaces all VPC contexts at once; a VPC whose routing changed (or that went away) loses its cache entries. */
  setVpcs(vpcs: readonly VpcContext[]): void {
    const next = new Map<string, VpcRouting>();
    for (const vpc of vpcs) {
      const fingerprint = routingFingerprint(vpc);
      const prev = this.routing.get(vpc.vpcId);
      if (prev !== undefined && prev.fingerprint === fingerprint) {
        next.set(vpc.vpcId, { ...prev, vpc });
        continue;
      }
      if (prev !== undefined) this.cache?.flushVpc(vpc.vpcId);
      next.set(vpc.vpcId, { vpc, table: new RouteTable(vpc), fingerprint, epoch: (prev?.epoch ?? 0) + 1 });
    }
    for (const vpcId of this.routing.keys()) if (!next.has(vpcId)) this.cache?.flushVpc(vpcId);
    this.routing = next;
    this.resolver.setRouting(next);
    const files = new Set<string>();
    for (const vpc of vpcs) if (vpc.queryLog !== undefined) files.add(vpc.queryLog.file);
    void this.queryLog.retain(files);
  }

  /** The addresses with a listener bound now (canonical text). */
  boundAddresses(): string[] {
    return [...this.listeners.keys()];
  }

  /** One process has no part that can be missing: unavailable only once closed. */
  unavailable(): string | null {
    return this.closed ? 'the DNS data plane is closed' : null;
  }

  /** A snapshot of the counters. */
  stats(): DataPlaneStats {
    const s = this.counters;
    const answers = emptyStats();
    addAnswerCounts(answers, this.answerCounters.values());
    const sends = nativeSendCounters();
    let tcpConnections = 0;
    let tcpQueuedBytes = 0;
    for (const { listener } of this.listeners.values()) {
      const load = listener.tcpLoad();
      tcpConnections += load.connections;
      tcpQueuedBytes += load.queuedBytes;
    }
    return {
      ...s,
      tcpClosedByReason: { ...s.tcpClosedByReason },
      tcpConnections,
      tcpQueuedBytes,
      answersByRcode: answers.answersByRcode,
      answersByVpc: answers.answersByVpc,
      answersByEndpoint: answers.answersByEndpoint,
      forwardedByEndpoint: { ...s.forwardedByEndpoint },
      upstreamLatency: { ...s.upstreamLatency, counts: [...s.upstreamLatency.counts] },
      upstreamFailuresByReason: { ...s.upstreamFailuresByReason },
      queryLogDropped: this.queryLog.dropped,
      upstreamUnmatched: this.pool.unmatched,
      upstreamPortRotations: this.pool.rotations,
      upstreamPortRotationFailures: this.pool.rotationFailures,
      udpSendsWaited: sends.waited,
      udpSendsDropped: sends.dropped,
      udpSendBurstMax: this.sendQueue.peak,
      cacheEntries: this.cache?.size ?? 0,
      cacheBytes: this.cache?.bytes ?? 0,
      cacheEvictionsByReason: this.cache === null ? {} : { entries: this.cache.counters.evictedForEntries, bytes: this.cache.counters.evictedForBytes },
      cacheTooLarge: this.cache?.counters.tooLarge ?? 0,
      listeners: this.listeners.size,
      downTargets: this.health.downTargets(),
    };
  }

  /** Unbinds every listener (draining), closes upstream sockets and flushes query logs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.listeners.keys()].map((ip) => this.unbindListener(ip)));
    await this.pool.close();
    await this.queryLog.close();
    this.cache?.clear();
  }

  private listenerOptions() {
    const o = this.opts;
    return {
      port: o.port,
      tcpIdleTimeoutMs: o.tcpIdleTimeoutMs ?? TCP_DEFAULTS.tcpIdleTimeoutMs,
      tcpFrameTimeoutMs: o.tcpFrameTimeoutMs ?? TCP_DEFAULTS.tcpFrameTimeoutMs,
      tcpMaxConnections: o.tcpMaxConnections ?? TCP_DEFAULTS.tcpMaxConnections,
      tcpMaxPipelined: o.tcpMaxPipelined ?? TCP_DEFAULTS.tcpMaxPipelined,
      tcpMaxQueryBytes: o.tcpMaxQueryBytes ?? TCP_DEFAULTS.tcpMaxQueryBytes,
      tcpWriteHighWaterBytes: o.tcpWriteHighWaterBytes ?? TCP_DEFAULTS.tcpWriteHighWaterBytes,
      tcpMaxQueuedBytes: o.tcpMaxQueuedBytes ?? TCP_DEFAULTS.tcpMaxQueuedBytes,
      stats: this.counters,
      drainTimeoutMs: o.drainTimeoutMs ?? (o.queryTimeoutMs ?? 1500) * (o.maxAttempts ?? 3),
      udpRecvBufferBytes: o.udpRecvBufferBytes ?? 4 * 1024 * 1024,
      shared: o.sharedListeners ?? false,
      udpIo: this.udpIo,
      sendQueue: this.sendQueue,
      log: this.log,
    };
  }
}
