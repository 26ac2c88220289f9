// The query handler chain: parse, loop guard, route, cache, in-flight cap, forward, adapt the reply, count and log.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.ts';
import { cacheFlags } from './cache.ts';
import type { PacketCache } from './cache.ts';
import { ForwardJob } from './forwarder.ts';
import type { Forwarder } from './forwarder.ts';
import type { ClientInfo, QueryClient } from './listeners.ts';
import type { QueryLogWriter } from './query-log.ts';
import { CacheVerdict, scanReplyForCache } from './reply-scan.ts';
import type { TtlLimits } from './reply-scan.ts';
import type { Route, RouteTable } from './route-table.ts';
import { rcodeName, typeName } from './stats.ts';
import type { AnswerCounter, DataPlaneStats } from './stats.ts';
import type { UpstreamTarget, VpcContext } from './types.ts';
import { buildErrorResponse, clientMaxSize, finalizeReply, viaPath } from './wire-edit.ts';
import { RCODE, checkingDisabled, parseQuery, rcodeOf } from './wire.ts';
import type { ParsedQuery } from './wire.ts';

/** One VPC's routing as the resolver uses it; epoch changes whenever its routing (and so its cache) changes. */
export interface VpcRouting {
  readonly vpc: VpcContext;
  readonly table: RouteTable;
  readonly fingerprint: string;
  readonly epoch: number;
}

export interface ResolverOptions {
  readonly clock: Clock;
  readonly maxInFlight: number;
  readonly maxHops: number;
  readonly instanceIdHex: string;
  readonly ttlLimits: TtlLimits;
  readonly log?: Logger;
}

interface Answer {
  readonly reply: Buffer;
  readonly ruleId: string | null;
  /** Who answered: a target, the cache, or nobody (a local answer); turned into text only for the query log. */
  readonly upstream: UpstreamTarget | 'cache' | null;
}

function upstreamText(u: Answer['upstream']): string | null {
  return u === null || u === 'cache' ? u : `${u.ip}:${u.port}`;
}

const DO_BIT = 0x8000;

export class Resolver {
  private routing: ReadonlyMap<string, VpcRouting> = new Map();
  /** Every forwarded reply is scanned into this one (the cache copies what it keeps). */
  private readonly verdict = new CacheVerdict();

  constructor(
    private readonly opts: ResolverOptions,
    private readonly stats: DataPlaneStats,
    private readonly cache: PacketCache | null,
    private readonly forwarder: Forwarder,
    private readonly queryLog: QueryLogWriter,
  ) {}

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
      client.respond(buildErrorResponse(msg, parsed.rcode, parsed.questionEnd, false));
      return;
    }
    const query = parsed.query;
    const routing = this.routing.get(counter.vpcId);
    const started = routing?.vpc.queryLog !== undefined ? performance.now() : 0;
    let answer: Answer | null;
    try {
      answer = this.answer(routing, counter, msg, query, client, started);
    } catch (err) {
      answer = this.failed(err, msg, query);
    }
    if (answer !== null) client.respond(this.finish(answer, routing, counter, query, client, started));
  }

  private failed(err: unknown, msg: Buffer, query: ParsedQuery): Answer {
    this.opts.log?.error({ err }, 'query failed unexpectedly');
    return { reply: this.local(msg, query, RCODE.SERVFAIL), ruleId: null, upstream: null };
  }

  /** Counts the answer and writes its query-log line. */
  private finish(
    answer: Answer,
    routing: VpcRouting | undefined,
    counter: AnswerCounter,
    query: ParsedQuery,
    client: ClientInfo,
    started: number,
  ): Buffer {
    const rcode = rcodeOf(answer.reply);
    counter.byRcode[rcode]!++;
    const destination = routing?.vpc.queryLog;
    if (destination !== undefined) {
      this.queryLog.write(destination.file, {
        time: new Date(this.opts.clock.now()).toISOString(),
        vpc_id: counter.vpcId,
        client_ip: client.address,
        client_port: client.port,
        transport: client.transport,
        qname: query.qname,
        qtype: typeName(query.qtype),
        rcode: rcodeName(rcode),
        latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
        rule_id: answer.ruleId,
        upstream: upstreamText(answer.upstream),
      });
      this.stats.queryLogDropped = this.queryLog.dropped;
    }
    return answer.reply;
  }

  /** The answer when it can be made at once; null when the query was handed to the forwarder. */
  private answer(
    routing: VpcRouting | undefined,
    counter: AnswerCounter,
    msg: Buffer,
    query: ParsedQuery,
    client: QueryClient,
    started: number,
  ): Answer | null {
    const vpcId = counter.vpcId;
    if (query.edns !== null) {
      const via = viaPath(msg, query);
      if (via.length > 0 && (via.includes(this.opts.instanceIdHex) || via.length >= this.opts.maxHops)) {
        this.stats.loopsDetected++;
        this.opts.log?.warn({ vpcId, qname: query.qname, via }, 'forwarding loop detected');
        return { reply: this.local(msg, query, RCODE.SERVFAIL), ruleId: null, upstream: null };
      }
    }
    if (routing === undefined) return { reply: this.local(msg, query, RCODE.REFUSED), ruleId: null, upstream: null };
    const route = routing.table.lookup(query.qname);
    if (route.kind === 'none') return { reply: this.local(msg, query, RCODE.REFUSED), ruleId: null, upstream: null };
    const ruleId = route.kind === 'rule' ? route.rule.id : null;
    if (route.kind === 'rule' && route.rule.sourceIps.length === 0) {
      return { reply: this.local(msg, query, RCODE.SERVFAIL), ruleId, upstream: null };
    }
    const maxSize = clientMaxSize(query, client.transport);
    const dnssecOk = query.edns !== null && (query.edns.flags & DO_BIT) !== 0;
    const flags = cacheFlags(dnssecOk, checkingDisabled(query.flags));
    if (this.cache !== null) {
      const hit = this.cache.get(vpcId, query.qname, query.qtype, query.qclass, flags);
      if (hit !== undefined) {
        this.stats.cacheHits++;
        return { reply: finalizeReply(hit, msg, query, maxSize), ruleId, upstream: 'cache' };
      }
      this.stats.cacheMisses++;
    }
    if (this.stats.inFlight >= this.opts.maxInFlight) {
      this.stats.overflows++;
      return { reply: this.local(msg, query, RCODE.SERVFAIL), ruleId, upstream: null };
    }
    const job = new ForwardedQuery(this, routing, route, counter, msg, query, client, flags, maxSize, ruleId, started);
    this.stats.inFlight++;
    if (route.kind === 'rule') this.stats.forwardedByEndpoint[route.rule.endpointId] = (this.stats.forwardedByEndpoint[route.rule.endpointId] ?? 0) + 1;
    try {
      this.forwarder.forward(job);
    } catch (err) {
      this.completeForward(job, null, null, err);
    }
    return null;
  }

  /**
   * Ends a forwarded query, once (later calls are ignored): reply is the upstream's answer, or null when
   * every attempt failed (SERVFAIL); err is an unexpected failure on the way. For ForwardedQuery only.
   */
  completeForward(job: ForwardedQuery, reply: Buffer | null, upstream: UpstreamTarget | null, err?: unknown): void {
    if (job.done) return;
    job.done = true;
    this.stats.inFlight--;
    const { message: msg, query, vpcId } = job;
    let answer: Answer;
    try {
      if (err !== undefined) answer = this.failed(err, msg, query);
      else if (reply === null) answer = { reply: this.local(msg, query, RCODE.SERVFAIL), ruleId: job.ruleId, upstream: null };
      else {
        // Routing changed while this query was out: its answer may come from the old route, so do not keep it.
        if (this.cache !== null && this.routing.get(vpcId)?.epoch === job.routing.epoch) {
          const verdict = scanReplyForCache(reply, query.questionEnd, this.opts.ttlLimits, this.verdict);
          if (verdict.ttl > 0) this.cache.set(vpcId, query.qname, query.qtype, query.qclass, job.cacheFlags, reply, verdict);
        }
        answer = { reply: finalizeReply(reply, msg, query, job.maxSize), ruleId: job.ruleId, upstream };
      }
    } catch (e) {
      answer = this.failed(e, msg, query);
    }
    let out: Buffer | null = null;
    try {
      out = this.finish(answer, job.routing, job.counter, query, job.client, job.started);
    } catch (e) {
      this.opts.log?.error({ err: e }, 'query failed unexpectedly');
    }
    job.client.respond(out);
  }

  private local(msg: Buffer, query: ParsedQuery, rcode: number): Buffer {
    const doBit = query.edns !== null && (query.edns.flags & DO_BIT) !== 0;
    return buildErrorResponse(msg, rcode, query.questionEnd, query.edns !== null, doBit);
  }

}

/**
 * A query handed to the forwarder: the request it reads and the callbacks it reports to. It is also the
 * forwarder's job and the UDP pool's exchange (by inheritance), so that a forwarded query is one object.
 */
class ForwardedQuery extends ForwardJob {
  done = false;
  readonly vpcId: string;
  readonly transport: 'udp' | 'tcp';
  readonly targets: readonly UpstreamTarget[];
  readonly sourceIps: readonly string[] | null;

  constructor(
    private readonly resolver: Resolver,
    readonly routing: VpcRouting,
    route: Exclude<Route, { kind: 'none' }>,
    readonly counter: AnswerCounter,
    readonly message: Buffer,
    readonly query: ParsedQuery,
    readonly client: QueryClient,
    readonly cacheFlags: number,
    readonly maxSize: number,
    readonly ruleId: string | null,
    readonly started: number,
  ) {
    super();
    this.vpcId = counter.vpcId;
    this.transport = client.transport;
    this.targets = route.kind === 'rule' ? route.rule.targets : route.upstreams;
    this.sourceIps = route.kind === 'rule' ? route.rule.sourceIps : null;
  }

  forwarded(reply: Buffer, target: UpstreamTarget): void {
    this.resolver.completeForward(this, reply, target);
  }

  failed(): void {
    this.resolver.completeForward(this, null, null);
  }
}
