// Answer step: SERVFAIL for a query that has already been through this instance, or through maxHops instances.
import type { Logger } from 'pino';
import type { ClientQuery } from '../client-query.ts';
import type { DataPlaneStats } from '../stats.ts';
import { viaPath } from '../wire-edit.ts';
import { RCODE } from '../wire.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './step.ts';

export class LoopGuardStep implements AnswerStep {
  readonly name = 'loop guard';

  constructor(
    /** This instance's 4-byte id in hex, as the via option carries it. */
    private readonly instanceIdHex: string,
    private readonly maxHops: number,
    private readonly stats: DataPlaneStats,
    private readonly log?: Logger,
  ) {}

  run(q: ClientQuery): StepOutcome {
    if (q.query.edns === null) return NEXT; // the via option rides in the OPT record
    const via = viaPath(q.message, q.query);
    if (via.length === 0 || (via.length < this.maxHops && !via.includes(this.instanceIdHex))) return NEXT;
    this.stats.loopsDetected++;
    this.log?.warn({ vpcId: q.vpcId, qname: q.query.qname, via }, 'forwarding loop detected');
    q.answerHere(RCODE.SERVFAIL);
    return ANSWERED;
  }
}
