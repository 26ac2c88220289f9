// Answer step: SERVFAIL rather than another query waiting on an upstream once maxInFlight are (RFC 8906: answer, never drop).
import type { ClientQuery } from '../client-query.ts';
import type { DataPlaneStats } from '../stats.ts';
import { RCODE } from '../wire.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './step.ts';

export class AdmitStep implements AnswerStep {
  readonly name = 'admit';

  constructor(
    private readonly maxInFlight: number,
    private readonly stats: DataPlaneStats,
  ) {}

  run(q: ClientQuery): StepOutcome {
    if (this.stats.inFlight < this.maxInFlight) return NEXT;
    this.stats.overflows++;
    q.answerHere(RCODE.SERVFAIL);
    return ANSWERED;
  }
}
