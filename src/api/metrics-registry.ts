// The Prometheus metrics of one vpcdns: API requests, reconciler and data-plane figures, read from their sources at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LATENCY_BOUNDS, emptyStats, type DataPlaneStats, type DnsDataPlane, type LatencyHistogram } from '../dataplane/contract.ts';

/** Rows waiting in a PENDING_* status, by kind (address, endpoint, rule, association). */
export type PendingCounts = Record<string, number>;

/** The reconciler's own counters, read at scrape time. */
export interface ReconcilerFigures {
  readonly passes: number;
  readonly transitions: number;
  readonly lastPassMs: number;
}

export interface MetricsSources {
  reconciler?: {
    stats: () => ReconcilerFigures;
    running: () => boolean;
    /** Counted in the database at scrape time. */
    pending?: () => Promise<PendingCounts>;
  };
  /** The data plane whose counters are exposed (absent on an API-only node). */
  dataPlane?: Pick<DnsDataPlane, 'stats'>;
  /** Process and Node.js figures (CPU, memory, event loop); the server turns them on, tests leave them off. */
  process?: boolean;
  version?: string;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

/** A histogram the data plane keeps itself (fixed bounds, per-bucket counts), exposed as a Prometheus histogram. */
function latencyHistogram(name: string, help: string, read: () => LatencyHistogram) {
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    reset() {},
    async get() {
      const h = read();
      let cumulative = 0;
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [...LATENCY_BOUNDS, '+Inf'].map((le, i) => {
        cumulative += h.counts[i] ?? 0;
        return { metricName: `${name}_bucket`, labels: { le }, value: cumulative };
      });
      values.push({ metricName: `${name}_sum`, labels: {}, value: h.sum }, { metricName: `${name}_count`, labels: {}, value: h.count });
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
}

export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly transitions: Histogram<'kind' | 'to'>;
  private dataPlaneSnapshot: DataPlaneStats | null = null;
  private static readonly noDataPlane: DataPlaneStats = emptyStats();

  constructor(private readonly sources: MetricsSources = {}) {
    const registers = [this.registry];
    this.httpRequests = new Counter({ name: 'vpcdns_http_requests_total', help: 'API requests answered, by method, route template and status', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({
      name: 'vpcdns_http_request_duration_seconds',
      help: 'API request latency from arrival to the last byte, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.transitions = new Histogram({
      name: 'vpcdns_reconciler_transition_seconds',
      help: 'Time from the write that made a row PENDING_* to the reconciler settling it, by kind and new status (GONE: removed)',
      labelNames: ['kind', 'to'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    new Gauge({ name: 'vpcdns_build_info', help: 'Always 1; the version is a label', labelNames: ['version'], registers }).set({ version: sources.version ?? 'unknown' }, 1);
    this.reconcilerMetrics();
    this.dataPlaneMetrics();
    if (sources.process) collectDefaultMetrics({ register: this.registry });
  }

  observeRequest(method: string, route: string, status: number, ms: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, ms / 1000);
  }

  observeTransition(kind: string, to: string, waitedMs: number): void {
    this.transitions.observe({ kind, to }, Math.max(0, waitedMs) / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text, with every source read now. */
  async render(): Promise<string> {
    const dp = this.sources.dataPlane;
    this.dataPlaneSnapshot = dp ? await dp.stats() : null;
    return this.registry.metrics();
  }

  private reconcilerMetrics(): void {
    const r = this.sources.reconciler;
    if (!r) return;
    const registers = [this.registry];
    this.copied('vpcdns_reconciler_passes_total', 'Reconciler passes run', () => r.stats().passes);
    this.copied('vpcdns_reconciler_transitions_total', 'Status transitions and removals made by the reconciler', () => r.stats().transitions);
    this.gauge('vpcdns_reconciler_last_pass_seconds', 'Duration of the last reconciler pass', () => r.stats().lastPassMs / 1000);
    this.gauge('vpcdns_reconciler_running', '1 while the reconciler is started and not stopped', () => (r.running() ? 1 : 0));
    const pending = r.pending;
    if (pending) {
      new Gauge({
        name: 'vpcdns_reconciler_queue_depth',
        help: 'Rows waiting for the reconciler (PENDING_* status) by kind, counted in the database at scrape time',
        labelNames: ['kind'],
        registers,
        async collect() {
          this.reset();
          for (const [kind, n] of Object.entries(await pending())) this.set({ kind }, n);
        },
      });
    }
  }

  private dataPlaneMetrics(): void {
    const dp = this.sources.dataPlane;
    if (!dp) return;
    // One snapshot per scrape (taken by render()), shared by every metric below.
    const s = (): DataPlaneStats => this.dataPlaneSnapshot ?? MetricsRegistry.noDataPlane;
    this.gauge('vpcdns_dns_listeners', 'DNS listeners bound (an address with its UDP socket and TCP server)', () => s().listeners);
    this.copied('vpcdns_dns_queries_total', 'DNS messages received on listeners, parsable or not', () => s().queries);
    this.copiedBy('vpcdns_dns_answers_total', 'DNS answers sent to clients, by rcode', 'rcode', () => s().answersByRcode);
    new Counter({
      name: 'vpcdns_dns_vpc_answers_total',
      help: 'DNS answers sent to clients, by the VPC of the listener and rcode',
      labelNames: ['vpc_id', 'rcode'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [vpc_id, byRcode] of Object.entries(s().answersByVpc)) for (const [rcode, n] of Object.entries(byRcode)) this.inc({ vpc_id, rcode }, n);
      },
    });
    new Counter({
      name: 'vpcdns_dns_endpoint_answers_total',
      help: 'DNS answers sent to clients, by the inbound endpoint whose address received the query, and rcode',
      labelNames: ['endpoint_id', 'rcode'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [endpoint_id, byRcode] of Object.entries(s().answersByEndpoint)) for (const [rcode, n] of Object.entries(byRcode)) this.inc({ endpoint_id, rcode }, n);
      },
    });
    this.copiedBy('vpcdns_dns_endpoint_forwarded_total', 'Queries forwarded through rules, by the endpoint they leave from', 'endpoint_id', () => s().forwardedByEndpoint);
    this.registry.registerMetric(latencyHistogram('vpcdns_dns_upstream_latency_seconds', 'Time from sending an upstream attempt to its accepted reply (successful attempts)', () => s().upstreamLatency) as never);
    this.copied('vpcdns_dns_dropped_total', 'DNS messages dropped without an answer (no parsable header, or a response)', () => s().dropped);
    this.copied('vpcdns_dns_queries_too_large_total', 'UDP queries over dns.udp_max_query_bytes, answered FORMERR', () => s().queriesTooLarge);
    this.copied('vpcdns_dns_cache_hits_total', 'Queries answered from the cache', () => s().cacheHits);
    this.copied('vpcdns_dns_cache_misses_total', 'Cache look-ups that found nothing', () => s().cacheMisses);
    this.gauge('vpcdns_dns_cache_entries', 'Replies held in the cache', () => s().cacheEntries);
    this.gauge('vpcdns_dns_cache_bytes', 'Bytes held by the cache (bounded by dns.cache_bytes)', () => s().cacheBytes);
    this.copiedBy('vpcdns_dns_cache_evictions_total', 'Cache entries dropped to make room, by the bound that was full (entries, bytes)', 'reason', () => s().cacheEvictionsByReason);
    this.copied('vpcdns_dns_cache_too_large_total', 'Replies not cached because they were over dns.cache_max_entry_bytes', () => s().cacheTooLarge);
    this.copied('vpcdns_dns_upstream_queries_total', 'Attempts sent to upstream targets', () => s().upstreamQueries);
    this.copiedBy('vpcdns_dns_upstream_failures_total', 'Failed upstream attempts, by reason (timeout, garbage, network, source, busy, closed)', 'reason', () => s().upstreamFailuresByReason);
    this.copied('vpcdns_dns_upstream_unmatched_total', 'Upstream datagrams that matched no pending query', () => s().upstreamUnmatched);
    this.copied('vpcdns_dns_upstream_port_rotations_total', 'Upstream sockets opened to give a source address a new random port', () => s().upstreamPortRotations);
    this.copied('vpcdns_dns_upstream_port_rotation_failures_total', 'Upstream port rotations that could not open a socket (the current one was kept)', () => s().upstreamPortRotationFailures);
    this.copied('vpcdns_dns_udp_sends_waited_total', 'UDP datagrams that waited for a writable socket (the kernel send buffer was full; native sockets)', () => s().udpSendsWaited);
    this.copied('vpcdns_dns_udp_sends_dropped_total', 'UDP datagrams dropped by native sockets: the wait queue was full, a waiting send failed, or the socket closed first', () => s().udpSendsDropped);
    this.gauge('vpcdns_dns_udp_send_burst_max', 'The largest burst of UDP datagrams queued in one event-loop turn (the largest of the workers)', () => s().udpSendBurstMax);
    this.copied('vpcdns_dns_tcp_retries_total', 'Truncated UDP replies retried over TCP', () => s().tcpRetries);
    this.gauge('vpcdns_dns_tcp_connections', 'Open TCP client connections, all listeners', () => s().tcpConnections);
    this.gauge('vpcdns_dns_tcp_queued_bytes', 'Answer bytes queued in the process for TCP clients, not yet taken by the kernel', () => s().tcpQueuedBytes);
    this.copiedBy('vpcdns_dns_tcp_connections_closed_total', 'TCP connections closed by the server, by reason (idle, frame_timeout, evicted, refused, backlog, oversize)', 'reason', () => s().tcpClosedByReason);
    this.copied('vpcdns_dns_tcp_read_pauses_total', 'Times a TCP connection stopped reading queries because its answers were queued past the high-water mark', () => s().tcpReadPauses);
    this.copied('vpcdns_dns_overflows_total', 'Queries answered SERVFAIL because the in-flight cap was reached', () => s().overflows);
    this.copied('vpcdns_dns_loops_detected_total', 'Queries answered SERVFAIL as forwarding loops', () => s().loopsDetected);
    this.copied('vpcdns_dns_query_log_dropped_total', 'Query-log lines dropped (buffer full or file not writable)', () => s().queryLogDropped);
    this.gauge('vpcdns_dns_in_flight', 'Queries waiting for an upstream now', () => s().inFlight);
    new Gauge({
      name: 'vpcdns_dns_upstream_target_down',
      help: 'Upstream targets (ip:port) currently marked down; absent when up',
      labelNames: ['target'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const target of s().downTargets) this.set({ target }, 1);
      },
    });
  }

  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** A counter kept by someone else (the reconciler, the data plane): its value is copied at scrape time. */
  private copied(name: string, help: string, read: () => number): void {
    this.copiedBy(name, help, null, () => ({ '': read() }));
  }

  private copiedBy(name: string, help: string, label: string | null, read: () => Record<string, number>): void {
    new Counter({
      name,
      help,
      labelNames: label ? [label] : [],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [value, n] of Object.entries(read())) {
          const labels: Labels = label ? { [label]: value } : {};
          this.inc(labels, n);
        }
      },
    });
  }
}
