// The answer path: parse, then the answer steps in order (protocol checks, loop guard, route, cache, admit, forward), then count and log.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.ts';
import type { PacketCache } from './cache.ts';
import { ClientQuery } from './client-query.ts';
import type { ForwardCompletion, VpcRouting } from './client-query.ts';
import type { Forwarder } from './forwarder.ts';
import type { QueryClient } from './listeners.ts';
import type { QueryLogWriter } from './query-log.ts';
import type { TtlLimits } from './reply-scan.ts';
import type { AnswerCounter, DataPlaneStats } from './stats.ts';
import { ReplyEdnsEditor, withNsid } from './reply-edns.ts';
import { AdmitStep } from './steps/admit.ts';
import { CacheStep } from './steps/cache.ts';
import { ChaosStep } from './steps/chaos.ts';
import type { ChaosIdentity } from './steps/chaos.ts';
import { EdnsVersionStep } from './steps/edns-version.ts';
import { ForwardStep } from './steps/forward.ts';
import { LogStep } from './steps/log.ts';
import { LoopGuardStep } from './steps/loop-guard.ts';
import { RouteStep } from './steps/route.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './steps/step.ts';
import { TsigStep } from './steps/tsig.ts';
import { ZoneTransferStep } from './steps/zone-transfer.ts';
import type { UpstreamTarget } from './types.ts';
import { buildLocalAnswer, finalizeReply, truncateFor } from './wire-edit.ts';
import { RCODE, parseQuery } from './wire.ts';

export type { VpcRouting } from './client-query.ts';

export interface ResolverOptions {
  readonly clock: Clock;
  readonly maxInFlight: number;
  readonly maxHops: number;
  readonly instanceIdHex: string;
  readonly ttlLimits: TtlLimits;
  /** What CHAOS queries learn (hostname.bind, version.bind...); the identity is also the NSID (RFC 5001). */
  readonly chaos: ChaosIdentity;
  /** Pass CLIENT-SUBNET options between clients and upstreams (replies that carry one are then not cached). */
  readonly passClientSubnet: boolean;
  /** A UDP query longer than this is answered FORMERR, not forwarded (docs/dataplane.md, limits). */
  readonly udpMaxQueryBytes: number;
  readonly log?: Logger;
}

export class Resolver implements ForwardCompletion {
  private routing: ReadonlyMap<string, VpcRouting> = new Map();
  /** The answer steps, in the order they run; the last one answers or takes every query that reaches it. */
  readonly steps: readonly AnswerStep[];
  private readonly cacheStep: CacheStep | null;
  private readonly logStep: LogStep;
  private readonly replyEdns: ReplyEdnsEditor;
  /** The NSID option's data for clients that ask (the identity), or null: none is sent. */
  private readonly nsid: Buffer | null;

  constructor(
    private readonly opts: ResolverOptions,
    private readonly stats: DataPlaneStats,
    cache: PacketCache | null,
    forwarder: Forwarder,
    queryLog: QueryLogWriter,
  ) {
    this.cacheStep = cache === null ? null : new CacheStep(cache, opts.ttlLimits, stats);
    this.logStep = new LogStep(opts.clock, queryLog, stats);
    this.replyEdns = new ReplyEdnsEditor(opts.passClientSubnet);
    this.nsid = opts.chaos.identity === undefined ? null : Buffer.from(opts.chaos.identity, 'utf8');
    const steps: AnswerStep[] = [
      new EdnsVersionStep(),
      new TsigStep(),
      new ZoneTransferStep(),
      new ChaosStep(opts.chaos),
      new LoopGuardStep(opts.instanceIdHex, opts.maxHops, stats, opts.log),
      new RouteStep(),
    ];
    if (this.cacheStep !== null) steps.push(this.cacheStep);
    steps.push(new AdmitStep(opts.maxInFlight, stats), new ForwardStep(forwarder, this, stats));
    this.steps = steps;
  }

  setRouting(routing: ReadonlyMap<string, VpcRouting>): void {
    this.routing = routing;
  }

  /**
   * Answers one message that arrived on a listener (counter names its VPC and endpoint): client.respond
   * is called exactly once, at once for answers made here (cache hits, refusals, errors) and when the
   * answer comes back for a forwarded query; null means drop. Only forwarded queries wait for anything,
   * and they wait on callbacks, not promises.
   */
  handle(counter: AnswerCounter, msg: Buffer, client: QueryClient): void {
    this.stats.queries++;
    const parsed = parseQuery(msg);
    if (parsed.kind === 'drop') {
      this.stats.dropped++;
      client.respond(null);
      return;
    }
    if (parsed.kind === 'error') {
      this.opts.log?.debug({ client: client.address, reason: parsed.reason }, 'bad query');
      counter.byRcode[parsed.rcode]!++;
      client.respond(buildLocalAnswer(msg, parsed.rcode, parsed.questionEnd, parsed.edns));
      return;
    }
    if (msg.length > this.opts.udpMaxQueryBytes && client.transport === 'udp') {
      this.stats.queriesTooLarge++;
      counter.byRcode[RCODE.FORMERR]!++;
      client.respond(buildLocalAnswer(msg, RCODE.FORMERR, parsed.query.questionEnd, parsed.query.edns));
      return;
    }
    const routing = this.routing.get(counter.vpcId);
    const started = routing?.vpc.queryLog !== undefined ? performance.now() : 0;
    const q = new ClientQuery(this, counter, msg, parsed.query, client, routing, started);
    let outcome: StepOutcome;
    try {
      outcome = this.runSteps(q);
    } catch (err) {
      outcome = this.failed(q, err);
    }
    if (outcome === ANSWERED) client.respond(this.deliver(q));
  }

  /** q's answer as it leaves: with vpcdns's NSID when the client asked for it, counted and logged. */
  private deliver(q: ClientQuery): Buffer {
    if (this.nsid !== null && q.query.edns?.nsid === true) {
      q.reply = truncateFor(withNsid(q.reply!, q.query.questionEnd, this.nsid), q.query, q.maxSize);
    }
    return this.logStep.record(q);
  }

  private runSteps(q: ClientQuery): StepOutcome {
    const steps = this.steps;
    for (let i = 0; i < steps.length; i++) {
      const outcome = steps[i]!.run(q);
      if (outcome !== NEXT) return outcome;
    }
    throw new Error('no answer step answered the query');
  }

  /** An unexpected error on q's way: SERVFAIL (logged with no rule), rather than a crash or silence. */
  private failed(q: ClientQuery, err: unknown): StepOutcome {
    this.opts.log?.error({ err }, 'query failed unexpectedly');
    q.ruleId = null;
    q.answerHere(RCODE.SERVFAIL);
    return ANSWERED;
  }

  /** Ends a forwarded query, once (later calls are ignored): caches, adapts, counts, logs and sends its answer. */
  completeForward(q: ClientQuery, reply: Buffer | null, upstream: UpstreamTarget | null, err?: unknown): void {
    if (q.completed) return;
    q.completed = true;
    this.stats.inFlight--;
    try {
      if (err !== undefined) this.failed(q, err);
      else if (reply === null) q.answerHere(RCODE.SERVFAIL);
      else {
        const own = this.replyEdns.ownOpt(reply, q.query.questionEnd, q.query.edns !== null);
        // Routing changed while this query was out: its answer may come from the old route, so do not keep it.
        const current = this.routing.get(q.vpcId)?.epoch === q.routing?.epoch;
        if (this.cacheStep !== null && current && !this.replyEdns.clientSubnet) this.cacheStep.keep(q, own);
        q.answer(finalizeReply(own, q.message, q.query, q.maxSize), upstream);
      }
    } catch (e) {
      this.failed(q, e);
    }
    let out: Buffer | null = null;
    try {
      out = this.deliver(q);
    } catch (e) {
      this.opts.log?.error({ err: e }, 'query failed unexpectedly');
    }
    q.client.respond(out);
  }
}
