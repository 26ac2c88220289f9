// One client query on its way through the answer steps; once forwarded, also the forwarder's job and the UDP pool's exchange.
import { ForwardJob } from './forwarder.ts';
import type { QueryClient } from './listeners.ts';
import type { RouteTable } from './route-table.ts';
import type { AnswerCounter } from './stats.ts';
import type { UpstreamTarget, VpcContext } from './types.ts';
import { buildLocalAnswer, clientMaxSize } from './wire-edit.ts';
import type { LocalRecords } from './wire-edit.ts';
import type { ParsedQuery } from './wire.ts';

/** One VPC's routing as the resolver uses it; epoch changes whenever its routing (and so its cache) changes. */
export interface VpcRouting {
  readonly vpc: VpcContext;
  readonly table: RouteTable;
  readonly fingerprint: string;
  readonly epoch: number;
}

/** Who ends a forwarded query: the resolver, which caches, adapts, counts and logs its answer. */
export interface ForwardCompletion {
  /** reply is the upstream's answer, or null when every attempt failed; err is an unexpected failure on the way. */
  completeForward(q: ClientQuery, reply: Buffer | null, upstream: UpstreamTarget | null, err?: unknown): void;
}

const NO_TARGETS: readonly UpstreamTarget[] = [];

/**
 * Everything known about one query: what arrived (message, parse, client, the listener's counter), what
 * the steps found out (route, cache key flags), and its answer once there is one. One object per query,
 * allocated when the query has parsed: a forwarded query's attempts reuse it as their job and exchange
 * (ForwardJob, Exchange), so the forwarding path allocates nothing else of its own per query.
 */
export class ClientQuery extends ForwardJob {
  readonly vpcId: string;
  readonly transport: 'udp' | 'tcp';
  /** The largest answer the client can take over its transport. */
  readonly maxSize: number;
  // Set by the route step.
  ruleId: string | null = null;
  /** The outbound endpoint of the matched rule (null for the VPC's default upstreams). */
  endpointId: string | null = null;
  targets: readonly UpstreamTarget[] = NO_TARGETS;
  sourceIps: readonly string[] | null = null;
  /** The DO and CD bits as the cache keys them (cacheFlags); set by the cache step. */
  cacheFlags = 0;
  // The answer.
  reply: Buffer | null = null;
  /** The rcode of an answer made here (it may be above 15, its upper bits in the OPT); -1 for a relayed one. */
  rcode = -1;
  /** Who answered: a target, the cache, or null (an answer made here); turned into text only for the query log. */
  answeredBy: UpstreamTarget | 'cache' | null = null;
  /** A forwarded query has been completed (a second completion is ignored). */
  completed = false;

  constructor(
    private readonly completion: ForwardCompletion,
    readonly counter: AnswerCounter,
    readonly message: Buffer,
    readonly query: ParsedQuery,
    readonly client: QueryClient,
    /** The VPC's routing when the query arrived; undefined when the listener's VPC has none. */
    readonly routing: VpcRouting | undefined,
    /** performance.now() at arrival when the VPC logs queries (for latency_ms), else 0. */
    readonly started: number,
  ) {
    super();
    this.vpcId = counter.vpcId;
    this.transport = client.transport;
    this.maxSize = clientMaxSize(query, client.transport);
  }

  /** The answer is reply, from answeredBy. */
  answer(reply: Buffer, answeredBy: UpstreamTarget | 'cache' | null): void {
    this.reply = reply;
    this.answeredBy = answeredBy;
  }

  /** The answer is one made here with rcode (the question echoed, vpcdns's OPT if the query had one) and records. */
  answerHere(rcode: number, records: LocalRecords | null = null): void {
    this.rcode = rcode;
    this.answer(buildLocalAnswer(this.message, rcode, this.query.questionEnd, this.query.edns, records), null);
  }

  forwarded(reply: Buffer, target: UpstreamTarget): void {
    this.completion.completeForward(this, reply, target);
  }

  failed(): void {
    this.completion.completeForward(this, null, null);
  }
}
