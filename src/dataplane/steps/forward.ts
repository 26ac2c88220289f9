// Answer step, the last: hands the query to the forwarder; its answer comes back through the query's completion.
import type { ClientQuery, ForwardCompletion } from '../client-query.ts';
import type { Forwarder } from '../forwarder.ts';
import type { DataPlaneStats } from '../stats.ts';
import { TAKEN, type AnswerStep, type StepOutcome } from './step.ts';

export class ForwardStep implements AnswerStep {
  readonly name = 'forward';

  constructor(
    private readonly forwarder: Forwarder,
    private readonly completion: ForwardCompletion,
    private readonly stats: DataPlaneStats,
  ) {}

  run(q: ClientQuery): StepOutcome {
    const stats = this.stats;
    stats.inFlight++;
    if (q.endpointId !== null) stats.forwardedByEndpoint[q.endpointId] = (stats.forwardedByEndpoint[q.endpointId] ?? 0) + 1;
    try {
      this.forwarder.forward(q);
    } catch (err) {
      this.completion.completeForward(q, null, null, err);
    }
    return TAKEN;
  }
}
