// Forwarding one query: target order by health, loop-safe targets, per-attempt deadline, failover, TC -> TCP retry.
import type { Logger } from 'pino';
import type { TargetHealth } from './health.ts';
import { randomIndex } from './query-id.ts';
import { observeLatency, type DataPlaneStats } from './stats.ts';
import type { UpstreamTarget } from './types.ts';
import type { ExchangeResult, UdpUpstreamPool } from './upstream-pool.ts';
import { tcpExchange } from './upstream-tcp.ts';
import { buildUpstreamQuery } from './wire-edit.ts';
import { isTruncated } from './wire.ts';
import type { ParsedQuery } from './wire.ts';

export interface ForwardRequest {
  readonly client: Buffer;
  readonly query: ParsedQuery;
  readonly transport: 'udp' | 'tcp';
  readonly targets: readonly UpstreamTarget[];
  /** Addresses to send from; null lets the kernel choose (default upstreams). */
  readonly sourceIps: readonly string[] | null;
}

export type ForwardOutcome =
  | { readonly ok: true; readonly reply: Buffer; readonly target: UpstreamTarget }
  | { readonly ok: false; readonly loop: boolean; readonly target: UpstreamTarget | null };

export interface ForwarderOptions {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly upstreamUdpSize: number;
  readonly forwardTcpOverTcp: boolean;
  readonly instanceId: Buffer;
  /** True if ip:port is one of this data plane's own listeners (forwarding there would loop). */
  readonly isOwnListener: (ip: string, port: number) => boolean;
  readonly log?: Logger;
}

export class Forwarder {
  constructor(
    private readonly opts: ForwarderOptions,
    private readonly pool: UdpUpstreamPool,
    private readonly health: TargetHealth,
    private readonly stats: DataPlaneStats,
  ) {}

  async forward(req: ForwardRequest): Promise<ForwardOutcome> {
    const usable = req.targets.some((t) => this.opts.isOwnListener(t.ip, t.port)) ? req.targets.filter((t) => !this.opts.isOwnListener(t.ip, t.port)) : req.targets;
    if (usable.length === 0) {
      this.stats.loopsDetected++;
      return { ok: false, loop: true, target: null };
    }
    const ordered = this.health.order(usable);
    const attempts = Math.min(ordered.length, this.opts.maxAttempts);
    const base = buildUpstreamQuery(req.client, req.query, 0, this.opts.instanceId, this.opts.upstreamUdpSize);
    const sources = req.sourceIps;
    const firstSource = sources === null ? 0 : randomIndex(sources.length);
    let last: UpstreamTarget | null = null;
    for (let i = 0; i < attempts; i++) {
      const target = ordered[i]!;
      const source = sources === null ? null : sources[(firstSource + i) % sources.length]!;
      last = target;
      this.health.startAttempt(target);
      this.stats.upstreamQueries++;
      // Attempts run one after another, so they can share one buffer: each writes its own fresh id.
      const sent = performance.now();
      let result: ExchangeResult;
      if (req.transport === 'tcp' && this.opts.forwardTcpOverTcp) {
        result = await tcpExchange(source, target, base, req.query.questionEnd, this.opts.timeoutMs);
      } else {
        result = await this.pool.exchange(source, target, base, req.query.questionEnd);
        if (result.ok && isTruncated(result.reply)) result = await this.retryOverTcp(result, target, source, base, req.query.questionEnd);
      }
      if (result.ok) {
        observeLatency(this.stats.upstreamLatency, (performance.now() - sent) / 1000);
        this.health.recordSuccess(target);
        return { ok: true, reply: result.reply, target };
      }
      this.stats.upstreamFailures++;
      this.stats.upstreamFailuresByReason[result.reason] = (this.stats.upstreamFailuresByReason[result.reason] ?? 0) + 1;
      if (result.reason === 'source' || result.reason === 'busy' || result.reason === 'closed') {
        // Not the target's fault: do not count it against the target's health.
        if (result.reason === 'closed') break;
        continue;
      }
      if (this.health.recordFailure(target)) {
        this.opts.log?.warn({ target: `${target.ip}:${target.port}`, reason: result.reason }, 'upstream target marked down');
      }
    }
    return { ok: false, loop: false, target: last };
  }

  /** A UDP reply came back truncated: ask the same target over TCP (RFC 7766 5). */
  private async retryOverTcp(udp: ExchangeResult, target: UpstreamTarget, source: string | null, query: Buffer, questionEnd: number): Promise<ExchangeResult> {
    this.stats.tcpRetries++;
    const tcp = await tcpExchange(source, target, query, questionEnd, this.opts.timeoutMs);
    if (tcp.ok) return tcp;
    // The target answered over UDP; hand the truncated reply on and let the client retry over TCP.
    this.opts.log?.debug({ target: `${target.ip}:${target.port}`, reason: tcp.reason }, 'TCP retry after TC failed');
    return udp;
  }
}
