// Counting for the data plane's stats snapshot (contract.ts): answers per listener, latency, merging workers' counters.
import { LATENCY_BOUNDS, emptyStats, type DataPlaneStats, type LatencyHistogram } from './contract.ts';

/** The resolver and forwarder count into this snapshot type. */
export type { DataPlaneStats } from './contract.ts';

/**
 * Answers counted where a listener sends them: one per (VPC, inbound endpoint), by rcode (0-16: BADVERS
 * is the one above 15 vpcdns makes), so that counting an answer is an array increment; stats() turns them
 * into the snapshot's named maps.
 */
export interface AnswerCounter {
  readonly vpcId: string;
  readonly endpointId: string | null;
  readonly byRcode: Float64Array;
}

export function newAnswerCounter(vpcId: string, endpointId: string | null): AnswerCounter {
  return { vpcId, endpointId, byRcode: new Float64Array(17) };
}

/** Adds the counters' answers into stats' answersByRcode, answersByVpc and answersByEndpoint. */
export function addAnswerCounts(stats: DataPlaneStats, counters: Iterable<AnswerCounter>): void {
  for (const c of counters) {
    for (let rcode = 0; rcode < c.byRcode.length; rcode++) {
      const n = c.byRcode[rcode]!;
      if (n === 0) continue;
      const name = rcodeName(rcode);
      stats.answersByRcode[name] = (stats.answersByRcode[name] ?? 0) + n;
      const byVpc = (stats.answersByVpc[c.vpcId] ??= {});
      byVpc[name] = (byVpc[name] ?? 0) + n;
      if (c.endpointId !== null) {
        const byEndpoint = (stats.answersByEndpoint[c.endpointId] ??= {});
        byEndpoint[name] = (byEndpoint[name] ?? 0) + n;
      }
    }
  }
}

export function observeLatency(h: LatencyHistogram, seconds: number): void {
  let i = 0;
  while (i < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[i]!) i++;
  h.counts[i]!++;
  h.sum += seconds;
  h.count++;
}

const RCODE_NAMES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 16: 'BADVERS' };

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR',
  43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 50: 'NSEC3', 52: 'TLSA', 64: 'SVCB', 65: 'HTTPS', 99: 'SPF',
  252: 'AXFR', 255: 'ANY', 257: 'CAA',
};

export function typeName(qtype: number): string {
  return TYPE_NAMES[qtype] ?? `TYPE${qtype}`;
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** Adds the counters of several data planes (cluster workers) into one; gauges are summed too, down targets united. */
export function mergeStats(all: readonly DataPlaneStats[]): DataPlaneStats {
  const out = emptyStats();
  const down = new Set<string>();
  for (const s of all) {
    out.queries += s.queries;
    addCounts(out.answersByRcode, s.answersByRcode);
    for (const [vpc, byRcode] of Object.entries(s.answersByVpc)) addCounts((out.answersByVpc[vpc] ??= {}), byRcode);
    for (const [ep, byRcode] of Object.entries(s.answersByEndpoint)) addCounts((out.answersByEndpoint[ep] ??= {}), byRcode);
    addCounts(out.forwardedByEndpoint, s.forwardedByEndpoint);
    for (let i = 0; i < out.upstreamLatency.counts.length; i++) out.upstreamLatency.counts[i]! += s.upstreamLatency.counts[i] ?? 0;
    out.upstreamLatency.sum += s.upstreamLatency.sum;
    out.upstreamLatency.count += s.upstreamLatency.count;
    out.dropped += s.dropped;
    out.queriesTooLarge += s.queriesTooLarge;
    out.cacheHits += s.cacheHits;
    out.cacheMisses += s.cacheMisses;
    out.upstreamQueries += s.upstreamQueries;
    out.upstreamFailures += s.upstreamFailures;
    addCounts(out.upstreamFailuresByReason, s.upstreamFailuresByReason);
    out.tcpRetries += s.tcpRetries;
    out.overflows += s.overflows;
    out.loopsDetected += s.loopsDetected;
    out.queryLogDropped += s.queryLogDropped;
    out.upstreamUnmatched += s.upstreamUnmatched;
    out.upstreamPortRotations += s.upstreamPortRotations;
    out.upstreamPortRotationFailures += s.upstreamPortRotationFailures;
    out.udpSendsWaited += s.udpSendsWaited;
    out.udpSendsDropped += s.udpSendsDropped;
    out.udpSendBurstMax = Math.max(out.udpSendBurstMax, s.udpSendBurstMax);
    addCounts(out.tcpClosedByReason, s.tcpClosedByReason);
    out.tcpReadPauses += s.tcpReadPauses;
    out.tcpConnections += s.tcpConnections;
    out.tcpQueuedBytes += s.tcpQueuedBytes;
    out.inFlight += s.inFlight;
    out.cacheEntries += s.cacheEntries;
    out.cacheBytes += s.cacheBytes;
    addCounts(out.cacheEvictionsByReason, s.cacheEvictionsByReason);
    out.cacheTooLarge += s.cacheTooLarge;
    out.listeners = Math.max(out.listeners, s.listeners);
    for (const t of s.downTargets) down.add(t);
  }
  out.downTargets = [...down].sort();
  return out;
}
