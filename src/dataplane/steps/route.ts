// Answer step: the VPC's route for the name (the most specific rule, else its default upstreams), or REFUSED.
import type { ClientQuery } from '../client-query.ts';
import { RCODE } from '../wire.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './step.ts';

export class RouteStep implements AnswerStep {
  readonly name = 'route';

  run(q: ClientQuery): StepOutcome {
    const routing = q.routing;
    const route = routing === undefined ? null : routing.table.lookup(q.query.qname);
    if (route === null || route.kind === 'none') {
      q.answerHere(RCODE.REFUSED); // no context for the listener's VPC, or nowhere to send the name
      return ANSWERED;
    }
    if (route.kind === 'default') {
      q.targets = route.upstreams;
      return NEXT;
    }
    const rule = route.rule;
    q.ruleId = rule.id;
    if (rule.sourceIps.length === 0) {
      q.answerHere(RCODE.SERVFAIL); // the rule's outbound endpoint has no ACTIVE address to send from
      return ANSWERED;
    }
    q.endpointId = rule.endpointId;
    q.targets = rule.targets;
    q.sourceIps = rule.sourceIps;
    return NEXT;
  }
}
