// The reconciler's queue depth: rows waiting in a PENDING_* status, by kind, read from the database (for /metrics).
import type { Store } from '../store/types.ts';

/** Counted up to this many per kind: a scrape never reads an unbounded backlog. */
export const QUEUE_DEPTH_CAP = 1000;

export async function queueDepth(store: Store): Promise<Record<'address' | 'endpoint' | 'rule' | 'association', number>> {
  const [address, endpoint, rule, association] = await Promise.all([
    store.addresses.findPending(QUEUE_DEPTH_CAP),
    store.endpoints.findPending(QUEUE_DEPTH_CAP),
    store.rules.findPending(QUEUE_DEPTH_CAP),
    store.associations.findPending(QUEUE_DEPTH_CAP),
  ]);
  return { address: address.length, endpoint: endpoint.length, rule: rule.length, association: association.length };
}
