// The contract of an answer step: the resolver runs its steps in order until one answers or takes the query.
import type { ClientQuery } from '../client-query.ts';

// What a step did with a query: small integers, so that a step's outcome allocates nothing.
/** Not this step's to answer: the next step decides. */
export const NEXT = 0;
/** Answered: q.reply holds the answer for the client. */
export const ANSWERED = 1;
/** Taken: the answer comes later, through the query's completion (a forwarded query). */
export const TAKEN = 2;
export type StepOutcome = typeof NEXT | typeof ANSWERED | typeof TAKEN;

/**
 * One step of the answer path (as a CoreDNS plugin): it reads the query and what earlier steps found,
 * may record what it finds on q, and answers, takes the query, or hands it on. A step never throws on
 * purpose: an unexpected error is answered SERVFAIL by the resolver.
 */
export interface AnswerStep {
  /** For logs and docs: what the step is ("loop guard", "route", ...). */
  readonly name: string;
  run(q: ClientQuery): StepOutcome;
}
