// The repository of the reconciler's batch pass and of bind/unbind's marks: writes that span endpoints and addresses.
import { isPending } from '../domain/status.ts';
import type { RepoContext } from './context.ts';
import { precompiled } from './precompiled.ts';
import { toAddress } from './rows.ts';
import type { AddressRecord, ReconcileRepo } from './types.ts';

// Not ACTIVE here, pending in JS: with the partial index's own `status in (...)` SQLite's planner would read every
// pending row of every endpoint through that index rather than each endpoint's few through its own.
const notActiveOfEndpoints = precompiled((db, endpointIds: string[]) =>
  db.selectFrom('endpoint_addresses').selectAll().where('endpoint_id', 'in', endpointIds).where('status', '!=', 'ACTIVE'),
);

/** Each verb runs the dialect's own statements (one on PostgreSQL where SQLite runs several: dialect/*.ts). */
export const reconcileMethods: ReconcileRepo & ThisType<RepoContext> = {
  async lockEndpoints(ids) {
    if (ids.length === 0) return [];
    return this.statements.endpointsForUpdate(this.db, [...ids]);
  },
  async pendingAddresses(endpointIds) {
    if (endpointIds.length === 0) return [];
    const { rows } = await notActiveOfEndpoints(this.db, this.dialect, [...endpointIds]);
    const pending: AddressRecord[] = [];
    for (const r of rows) if (isPending(r.status)) pending.push(toAddress(r));
    return pending;
  },
  async applyOutcomes(o) {
    if (o.deleteIds.length === 0 && o.updates.length === 0 && o.endpointIds.length === 0) return { written: new Set(), addresses: [] };
    return this.statements.applyOutcomes(this.db, o);
  },
  async transitionEach(moves, now) {
    if (moves.length === 0) return new Set();
    return this.statements.transitionEach(this.db, moves, now);
  },
  createAddressMarkingEndpoint(a, endpointStatus) {
    return this.statements.createAddressMarkingEndpoint(this.db, a, endpointStatus);
  },
  setAddressStatusMarkingEndpoint(id, endpointId, patch, endpointStatus) {
    return this.statements.setAddressStatusMarkingEndpoint(this.db, id, endpointId, patch, endpointStatus);
  },
};
