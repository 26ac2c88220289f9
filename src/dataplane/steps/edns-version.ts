// Answer step: BADVERS for an EDNS version other than 0, the only one vpcdns implements (RFC 6891 6.1.3), before the cache.
import type { ClientQuery } from '../client-query.ts';
import { RCODE } from '../wire.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './step.ts';

export class EdnsVersionStep implements AnswerStep {
  readonly name = 'edns version';

  run(q: ClientQuery): StepOutcome {
    const edns = q.query.edns;
    if (edns === null || edns.version === 0) return NEXT;
    q.answerHere(RCODE.BADVERS); // with vpcdns's OPT: version 0, the version it does implement
    return ANSWERED;
  }
}
