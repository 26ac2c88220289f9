// The reconciler's part for resolver rules and their VPC associations: settle pending rows.
import type { Clock } from '../domain/clock.ts';
import { canTransition, type Status } from '../domain/status.ts';
import type { Store } from '../store/types.ts';

/**
 * Rules and associations have no resource of their own on the host: they become routing. The reconciler
 * marks them ACTIVE (or removes them) and the pass then pushes routing built from ACTIVE rows to the data
 * plane, so the data plane reads only what is ACTIVE. Returns the number of changes.
 */
export async function reconcileRules(store: Store, clock: Clock, batch: number): Promise<number> {
  let changed = 0;
  for (const a of await store.associations.findPending(batch)) {
    if (a.status === 'PENDING_DELETE') {
      await store.associations.delete(a.ruleId, a.vpcId);
      changed++;
    } else if (await store.associations.setStatus(a.ruleId, a.vpcId, a.status, settle('association', a.status), clock.now())) {
      changed++;
    }
  }
  for (const r of await store.rules.findPending(batch)) {
    if (r.status === 'PENDING_DELETE') {
      // Deletion was only accepted without associations; a concurrent associate is refused by then.
      if ((await store.associations.listByRule(r.id)).length > 0) continue;
      await store.rules.delete(r.id);
      changed++;
    } else if (await store.rules.transition(r.id, r.status, settle('rule', r.status), clock.now())) {
      changed++;
    }
  }
  return changed;
}

function settle(kind: 'rule' | 'association', from: Status): Status {
  if (!canTransition(kind, from, 'ACTIVE', 'reconciler')) throw new Error(`reconciler may not move a ${kind} from ${from} to ACTIVE`);
  return 'ACTIVE';
}
