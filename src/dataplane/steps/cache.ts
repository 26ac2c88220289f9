// Answer step: a cached reply for the question, adapted for this client; and keeping the forwarded replies that may be cached.
import { cacheFlags } from '../cache.ts';
import type { PacketCache } from '../cache.ts';
import type { ClientQuery } from '../client-query.ts';
import { CacheVerdict, scanReplyForCache } from '../reply-scan.ts';
import type { TtlLimits } from '../reply-scan.ts';
import type { DataPlaneStats } from '../stats.ts';
import { finalizeReply } from '../wire-edit.ts';
import { checkingDisabled } from '../wire.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './step.ts';

const DO_BIT = 0x8000;

export class CacheStep implements AnswerStep {
  readonly name = 'cache';
  /** Every forwarded reply is scanned into this one (the cache copies what it keeps). */
  private readonly verdict = new CacheVerdict();

  constructor(
    private readonly cache: PacketCache,
    private readonly ttlLimits: TtlLimits,
    private readonly stats: DataPlaneStats,
  ) {}

  run(q: ClientQuery): StepOutcome {
    const query = q.query;
    const dnssecOk = query.edns !== null && (query.edns.flags & DO_BIT) !== 0;
    q.cacheFlags = cacheFlags(dnssecOk, checkingDisabled(query.flags));
    const hit = this.cache.get(q.vpcId, query.qname, query.qtype, query.qclass, q.cacheFlags);
    if (hit === undefined) {
      this.stats.cacheMisses++;
      return NEXT;
    }
    this.stats.cacheHits++;
    q.answer(finalizeReply(hit, q.message, query, q.maxSize), 'cache');
    return ANSWERED;
  }

  /** Keeps a copy of the upstream's reply to q if it may be cached (before it is adapted for the client). */
  keep(q: ClientQuery, reply: Buffer): void {
    const query = q.query;
    const verdict = scanReplyForCache(reply, query.questionEnd, this.ttlLimits, this.verdict);
    if (verdict.ttl > 0) this.cache.set(q.vpcId, query.qname, query.qtype, query.qclass, q.cacheFlags, reply, verdict);
  }
}
