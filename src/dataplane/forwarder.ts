// Forwarding one query: target order by health, loop-safe targets, per-attempt deadline, failover, TC -> TCP retry.
import type { Logger } from 'pino';
import type { TargetHealth } from './health.ts';
import { randomIndex } from './query-id.ts';
import { observeLatency, type DataPlaneStats } from './stats.ts';
import type { UpstreamTarget } from './types.ts';
import type { ExchangeFailure, ExchangeResult, ExchangeWaiter, UdpUpstreamPool } from './upstream-pool.ts';
import { tcpExchange } from './upstream-tcp.ts';
import { buildUpstreamQuery } from './wire-edit.ts';
import { isTruncated } from './wire.ts';
import type { ParsedQuery } from './wire.ts';

/**
 * One query to forward, and who hears how it went: forwarded or failed, once; after an unexpected error on
 * the way, failed may follow forwarded, and must then be ignored (ForwardedQuery does).
 */
export interface ForwardRequest {
  /** The client's message as it arrived. */
  readonly message: Buffer;
  readonly query: ParsedQuery;
  readonly transport: 'udp' | 'tcp';
  readonly targets: readonly UpstreamTarget[];
  /** Addresses to send from; null lets the kernel choose (default upstreams). */
  readonly sourceIps: readonly string[] | null;
  /** A target answered; reply is this query's own buffer. */
  forwarded(reply: Buffer, target: UpstreamTarget): void;
  /** Every attempt failed, or every target was one of this data plane's own listeners (a loop). */
  failed(): void;
}

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
    readonly opts: ForwarderOptions,
    readonly pool: UdpUpstreamPool,
    readonly health: TargetHealth,
    readonly stats: DataPlaneStats,
  ) {}

  /** Starts forwarding req; its callbacks run later (or at once when nothing can be tried). */
  forward(req: ForwardRequest): void {
    const usable = req.targets.some((t) => this.opts.isOwnListener(t.ip, t.port)) ? req.targets.filter((t) => !this.opts.isOwnListener(t.ip, t.port)) : req.targets;
    if (usable.length === 0) {
      this.stats.loopsDetected++;
      req.failed();
      return;
    }
    new ForwardJob(this, req, usable).next();
  }
}

/**
 * The attempts of one forwarded query, one after another: target order by health, a source address
 * per attempt, failover on timeout or garbage, a TCP retry when a UDP reply is truncated. It is the
 * UDP pool's waiter for each of its attempts, so a forwarded query allocates no promise.
 */
class ForwardJob implements ExchangeWaiter {
  private readonly ordered: readonly UpstreamTarget[];
  private readonly attempts: number;
  /** Attempts run one after another, so they share one buffer: each writes its own fresh id. */
  private readonly base: Buffer;
  private readonly firstSource: number;
  private attempt = -1;
  private target: UpstreamTarget | null = null;
  private source: string | null = null;
  private sentAt = 0;

  constructor(
    private readonly f: Forwarder,
    private readonly req: ForwardRequest,
    usable: readonly UpstreamTarget[],
  ) {
    this.ordered = f.health.order(usable);
    this.attempts = Math.min(this.ordered.length, f.opts.maxAttempts);
    this.base = buildUpstreamQuery(req.message, req.query, 0, f.opts.instanceId, f.opts.upstreamUdpSize);
    this.firstSource = req.sourceIps === null ? 0 : randomIndex(req.sourceIps.length);
  }

  /** Starts the next attempt, or reports failure when none is left. */
  next(): void {
    const i = ++this.attempt;
    if (i >= this.attempts) {
      this.req.failed();
      return;
    }
    const target = this.ordered[i]!;
    const sources = this.req.sourceIps;
    this.target = target;
    this.source = sources === null ? null : sources[(this.firstSource + i) % sources.length]!;
    this.f.health.startAttempt(target);
    this.f.stats.upstreamQueries++;
    this.sentAt = performance.now();
    if (this.req.transport === 'tcp' && this.f.opts.forwardTcpOverTcp) {
      this.overTcp()
        .then((r) => this.settle(r))
        .catch((err: unknown) => this.crashed(err));
    } else {
      this.f.pool.send(this.source, target, this.base, this.req.query.questionEnd, this);
    }
  }

  onReply(reply: Buffer): void {
    if (!isTruncated(reply)) {
      this.succeeded(reply);
      return;
    }
    // RFC 7766 5: ask the same target over TCP; if that fails, hand the truncated reply on and let the client retry over TCP.
    this.f.stats.tcpRetries++;
    const target = this.target!;
    this.overTcp()
      .then((tcp) => {
        if (tcp.ok) {
          this.succeeded(tcp.reply);
          return;
        }
        this.f.opts.log?.debug({ target: `${target.ip}:${target.port}`, reason: tcp.reason }, 'TCP retry after TC failed');
        this.succeeded(reply);
      })
      .catch((err: unknown) => this.crashed(err));
  }

  onFailure(reason: ExchangeFailure): void {
    const target = this.target!;
    this.f.stats.upstreamFailures++;
    this.f.stats.upstreamFailuresByReason[reason] = (this.f.stats.upstreamFailuresByReason[reason] ?? 0) + 1;
    if (reason === 'closed') {
      this.req.failed();
      return;
    }
    // 'source' and 'busy' are not the target's fault: they do not count against its health.
    if (reason !== 'source' && reason !== 'busy' && this.f.health.recordFailure(target)) {
      this.f.opts.log?.warn({ target: `${target.ip}:${target.port}`, reason }, 'upstream target marked down');
    }
    this.next();
  }

  /** This attempt's exchange over TCP: same target, source and query. */
  private overTcp(): Promise<ExchangeResult> {
    return tcpExchange(this.source, this.target!, this.base, this.req.query.questionEnd, this.f.opts.timeoutMs);
  }

  /** A bug on the way: the query fails (if it has not been answered yet) rather than the process. */
  private crashed(err: unknown): void {
    this.f.opts.log?.error({ err }, 'forwarding failed unexpectedly');
    this.req.failed();
  }

  private settle(result: ExchangeResult): void {
    if (result.ok) this.succeeded(result.reply);
    else this.onFailure(result.reason);
  }

  private succeeded(reply: Buffer): void {
    const target = this.target!;
    observeLatency(this.f.stats.upstreamLatency, (performance.now() - this.sentAt) / 1000);
    this.f.health.recordSuccess(target);
    this.req.forwarded(reply, target);
  }
}
