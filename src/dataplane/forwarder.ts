// Forwarding one query: target order by health, loop-safe targets, per-attempt deadline, failover, TC -> TCP retry.
import type { Logger } from 'pino';
import type { TargetHealth } from './health.ts';
import { randomIndex } from './query-id.ts';
import { observeLatency, type DataPlaneStats } from './stats.ts';
import type { UpstreamTarget } from './types.ts';
import { Exchange } from './upstream-exchange.ts';
import type { ExchangeFailure, ExchangeResult } from './upstream-exchange.ts';
import type { UdpUpstreamPool } from './upstream-pool.ts';
import { tcpExchange } from './upstream-tcp.ts';
import { buildUpstreamQuery } from './wire-edit.ts';
import { isTruncated, replyIsWellFormed } from './wire.ts';
import type { ParsedQuery } from './wire.ts';

export interface ForwarderOptions {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly upstreamUdpSize: number;
  readonly forwardTcpOverTcp: boolean;
  /** Pass the client's CLIENT-SUBNET option upstream (edns-options.ts). */
  readonly passClientSubnet: boolean;
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

  /** Starts forwarding job; its callbacks run later (or at once when nothing can be tried). */
  forward(job: ForwardJob): void {
    const targets = job.targets;
    const usable = targets.some((t) => this.opts.isOwnListener(t.ip, t.port)) ? targets.filter((t) => !this.opts.isOwnListener(t.ip, t.port)) : targets;
    if (usable.length === 0) {
      this.stats.loopsDetected++;
      job.failed();
      return;
    }
    job.start(this, usable);
  }
}

/**
 * One query to forward (what the subclass gives: the client's message, its parse, the targets and
 * source addresses) and the attempts made for it, one after another: target order by health, a source
 * address per attempt, failover on timeout or garbage, a TCP retry when a UDP reply is truncated. It is
 * its own UDP exchange for each attempt, so a forwarded query allocates no promise and no object per
 * attempt. The subclass hears how it went: forwarded or failed, once; after an unexpected error on the
 * way, failed may follow forwarded, and must then be ignored.
 */
export abstract class ForwardJob extends Exchange {
  /** The client's message as it arrived. */
  abstract readonly message: Buffer;
  abstract readonly query: ParsedQuery;
  abstract readonly transport: 'udp' | 'tcp';
  abstract readonly targets: readonly UpstreamTarget[];
  /** Addresses to send from; null lets the kernel choose (default upstreams). */
  abstract readonly sourceIps: readonly string[] | null;
  /** A target answered; reply is this query's own buffer. */
  abstract forwarded(reply: Buffer, target: UpstreamTarget): void;
  /** Every attempt failed, or every target was one of this data plane's own listeners (a loop). */
  abstract failed(): void;

  // Set by start(), when the forwarder takes the job.
  private forwarder!: Forwarder;
  /** The usable targets, best first (health order). */
  private ordered: readonly UpstreamTarget[] = [];
  /** How many of them this query may try. */
  private attempts = 0;
  /** Attempts run one after another, so they share one buffer: each writes its own fresh id. */
  private upstreamQuery!: Buffer;
  private firstSource = 0;
  /** The attempt under way (an index into ordered). */
  private attempt = -1;
  private target: UpstreamTarget | null = null;
  private source: string | null = null;
  private sentAt = 0;

  /** For Forwarder.forward: usable are the targets that are not this data plane's own listeners. */
  start(forwarder: Forwarder, usable: readonly UpstreamTarget[]): void {
    this.forwarder = forwarder;
    this.ordered = forwarder.health.order(usable);
    this.attempts = Math.min(this.ordered.length, forwarder.opts.maxAttempts);
    this.upstreamQuery = buildUpstreamQuery(this.message, this.query, 0, forwarder.opts.instanceId, forwarder.opts.upstreamUdpSize, forwarder.opts.passClientSubnet);
    this.firstSource = this.sourceIps === null ? 0 : randomIndex(this.sourceIps.length);
    this.nextAttempt();
  }

  /** Starts the next attempt, or reports failure when none is left. */
  private nextAttempt(): void {
    const i = ++this.attempt;
    if (i >= this.attempts) {
      this.failed();
      return;
    }
    const target = this.ordered[i]!;
    const sources = this.sourceIps;
    this.target = target;
    this.source = sources === null ? null : sources[(this.firstSource + i) % sources.length]!;
    this.forwarder.health.startAttempt(target);
    this.forwarder.stats.upstreamQueries++;
    this.sentAt = performance.now();
    if (this.transport === 'tcp' && this.forwarder.opts.forwardTcpOverTcp) {
      this.overTcp()
        .then((r) => this.settle(r))
        .catch((err: unknown) => this.crashed(err));
    } else {
      this.forwarder.pool.send(this.source, target, this.upstreamQuery, this.query.questionEnd, this);
    }
  }

  onReply(reply: Buffer): void {
    if (!isTruncated(reply)) {
      this.succeeded(reply);
      return;
    }
    // RFC 7766 5: ask the same target over TCP; if that fails, hand the truncated reply on and let the client retry over TCP.
    this.forwarder.stats.tcpRetries++;
    const target = this.target!;
    this.overTcp()
      .then((tcp) => {
        if (tcp.ok) {
          this.succeeded(tcp.reply);
          return;
        }
        this.forwarder.opts.log?.debug({ target: `${target.ip}:${target.port}`, reason: tcp.reason }, 'TCP retry after TC failed');
        this.succeeded(reply);
      })
      .catch((err: unknown) => this.crashed(err));
  }

  onFailure(reason: ExchangeFailure): void {
    const target = this.target!;
    this.forwarder.stats.upstreamFailures++;
    this.forwarder.stats.upstreamFailuresByReason[reason] = (this.forwarder.stats.upstreamFailuresByReason[reason] ?? 0) + 1;
    if (reason === 'closed') {
      this.failed();
      return;
    }
    // 'source' and 'busy' are not the target's fault: they do not count against its health.
    if (reason !== 'source' && reason !== 'busy' && this.forwarder.health.recordFailure(target)) {
      this.forwarder.opts.log?.warn({ target: `${target.ip}:${target.port}`, reason }, 'upstream target marked down');
    }
    this.nextAttempt();
  }

  /** This attempt's exchange over TCP: same target, source and query. */
  private overTcp(): Promise<ExchangeResult> {
    return tcpExchange(this.source, this.target!, this.upstreamQuery, this.query.questionEnd, this.forwarder.opts.timeoutMs);
  }

  /** A bug on the way: the query fails (if it has not been answered yet) rather than the process. */
  private crashed(err: unknown): void {
    this.forwarder.opts.log?.error({ err }, 'forwarding failed unexpectedly');
    this.failed();
  }

  private settle(result: ExchangeResult): void {
    if (result.ok) this.succeeded(result.reply);
    else this.onFailure(result.reason);
  }

  private succeeded(reply: Buffer): void {
    if (!replyIsWellFormed(reply, this.query.questionEnd)) {
      this.onFailure('garbage');
      return;
    }
    const target = this.target!;
    observeLatency(this.forwarder.stats.upstreamLatency, (performance.now() - this.sentAt) / 1000);
    this.forwarder.health.recordSuccess(target);
    this.forwarded(reply, target);
  }
}
