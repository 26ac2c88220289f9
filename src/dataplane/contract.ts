// The one interface the control plane drives a DNS data plane through, in this process or over workers.
import type { VpcContext } from './types.ts';

export type { ForwardRule, QueryLogDestination, UpstreamTarget, VpcContext } from './types.ts';

/**
 * What the reconciler, the routing refresh, /metrics and /readyz use; `DataPlane` (data-plane.ts) and
 * `ClusterDataPlane` (cluster.ts) implement it. Each listener call is about one address and settles with
 * that address's result: it resolves once the address is served (or released), or rejects with a readable
 * reason (`cannot bind 10.1.2.3:53/udp: EADDRNOTAVAIL (address not on this host)`).
 */
export interface DnsDataPlane {
  /**
   * Serves UDP and TCP on ip for vpcId; answers are counted under endpointId (null: a VPC resolver
   * address). Idempotent for the same ip and VPC; another VPC on the same ip is rejected.
   */
  bindListener(ip: string, vpcId: string, endpointId?: string | null): Promise<void>;
  /** Stops taking queries on ip, answers those in flight (up to the drain timeout), then releases it. */
  unbindListener(ip: string): Promise<void>;
  /** Resolves when ip can be a source address of forwarded queries (an outbound endpoint's address). */
  probeSource(ip: string): Promise<void>;
  /** Replaces every VPC's routing at once; a promise when it reaches other processes first. */
  setVpcs(vpcs: readonly VpcContext[]): void | Promise<void>;
  /** The addresses served now (canonical text). */
  boundAddresses(): string[];
  /** Why it cannot serve everything it should (e.g. a worker restarting); null when it can. */
  unavailable(): string | null;
  /** A snapshot of the counters; a promise when gathered from other processes. */
  stats(): DataPlaneStats | Promise<DataPlaneStats>;
  /** Unbinds every listener (draining), closes upstream sockets and flushes query logs. */
  close(): Promise<void>;
}

/** The counters of a data plane, as one plain object (JSON-serialisable: workers send it over IPC). */
export interface DataPlaneStats {
  /** Messages received on listeners, parsable or not. */
  queries: number;
  /** Queries that got an answer, by rcode name (NOERROR, NXDOMAIN, SERVFAIL, ...). */
  answersByRcode: Record<string, number>;
  /** The same answers by the VPC of the listener, then by rcode name. */
  answersByVpc: Record<string, Record<string, number>>;
  /** The same answers by the inbound endpoint whose address received the query (VPC resolver addresses have none). */
  answersByEndpoint: Record<string, Record<string, number>>;
  /** Queries sent upstream through a rule, by the rule's endpoint (the addresses they leave from). */
  forwardedByEndpoint: Record<string, number>;
  /** Time from sending an attempt to its accepted reply, successful attempts only. */
  upstreamLatency: LatencyHistogram;
  /** Messages dropped without an answer (no parsable header, or a response sent to a listener). */
  dropped: number;
  /** UDP queries over dns.udp_max_query_bytes, answered FORMERR. */
  queriesTooLarge: number;
  cacheHits: number;
  cacheMisses: number;
  /** Attempts sent to upstream targets (UDP, or TCP when a TCP client is forwarded over TCP). */
  upstreamQueries: number;
  /** Failed attempts (timeout, garbage, network, source, busy, closed). */
  upstreamFailures: number;
  upstreamFailuresByReason: Record<string, number>;
  /** UDP replies with TC=1 retried over TCP. */
  tcpRetries: number;
  /** Queries answered SERVFAIL because the in-flight cap was reached. */
  overflows: number;
  /** Queries refused as loops (own listener as target, or our id in the via option, or too many hops). */
  loopsDetected: number;
  /** Query log lines dropped because a file's buffer was full or the file could not be written. */
  queryLogDropped: number;
  /** Upstream datagrams that matched no pending query. */
  upstreamUnmatched: number;
  /** Upstream sockets opened to replace a source address's socket (a new random port). */
  upstreamPortRotations: number;
  /** Replacements that could not be opened (the source's current socket was kept). */
  upstreamPortRotationFailures: number;
  /**
   * Native UDP sockets of this process (not only this data plane's): sends that waited for a writable
   * socket, and sends dropped (the wait queue full, a waiting send failed, or the socket closed first).
   */
  udpSendsWaited: number;
  udpSendsDropped: number;
  /** The largest burst of UDP datagrams this data plane queued in one event-loop turn (send-queue.ts). */
  udpSendBurstMax: number;
  /** TCP connections the server closed, by reason (idle, frame_timeout, evicted, refused, backlog, oversize). */
  tcpClosedByReason: Record<string, number>;
  /** Times a TCP connection stopped reading because its answers were queued past the high-water mark. */
  tcpReadPauses: number;
  /** Open TCP client connections, all listeners together. */
  tcpConnections: number;
  /** Answer bytes queued in this process for TCP clients (not yet taken by the kernel). */
  tcpQueuedBytes: number;
  /** Queries currently waiting for an upstream. */
  inFlight: number;
  cacheEntries: number;
  /** Bytes the cache holds (its byte bound, dns.cache_bytes, counts these). */
  cacheBytes: number;
  /** Entries dropped to make room, by the bound that was full (entries: dns.cache_size, bytes: dns.cache_bytes). */
  cacheEvictionsByReason: Record<string, number>;
  /** Replies not cached because their entry was over dns.cache_max_entry_bytes. */
  cacheTooLarge: number;
  listeners: number;
  downTargets: string[];
}

/** Upper bounds in seconds; counts[i] holds observations <= bounds[i] and above the bound before (the last: above all). */
export const LATENCY_BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

export interface LatencyHistogram {
  counts: number[];
  sum: number;
  count: number;
}

/** A snapshot with nothing counted. */
export function emptyStats(): DataPlaneStats {
  return {
    queries: 0,
    answersByRcode: {},
    answersByVpc: {},
    answersByEndpoint: {},
    forwardedByEndpoint: {},
    upstreamLatency: { counts: new Array<number>(LATENCY_BOUNDS.length + 1).fill(0), sum: 0, count: 0 },
    dropped: 0,
    queriesTooLarge: 0,
    cacheHits: 0,
    cacheMisses: 0,
    upstreamQueries: 0,
    upstreamFailures: 0,
    upstreamFailuresByReason: {},
    tcpRetries: 0,
    overflows: 0,
    loopsDetected: 0,
    queryLogDropped: 0,
    upstreamUnmatched: 0,
    upstreamPortRotations: 0,
    upstreamPortRotationFailures: 0,
    udpSendsWaited: 0,
    udpSendsDropped: 0,
    udpSendBurstMax: 0,
    tcpClosedByReason: {},
    tcpReadPauses: 0,
    tcpConnections: 0,
    tcpQueuedBytes: 0,
    inFlight: 0,
    cacheEntries: 0,
    cacheBytes: 0,
    cacheEvictionsByReason: {},
    cacheTooLarge: 0,
    listeners: 0,
    downTargets: [],
  };
}
