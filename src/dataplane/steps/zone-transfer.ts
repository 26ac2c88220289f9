// Answer step: AXFR and IXFR are REFUSED, not forwarded: a resolver serves no zone transfers (RFC 5936 4.2, RFC 1995).
import type { ClientQuery } from '../client-query.ts';
import { RCODE } from '../wire.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './step.ts';

const TYPE_IXFR = 251;
const TYPE_AXFR = 252;

export class ZoneTransferStep implements AnswerStep {
  readonly name = 'zone transfer';

  run(q: ClientQuery): StepOutcome {
    const qtype = q.query.qtype;
    if (qtype !== TYPE_AXFR && qtype !== TYPE_IXFR) return NEXT;
    q.answerHere(RCODE.REFUSED);
    return ANSWERED;
  }
}
