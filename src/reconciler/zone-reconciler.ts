// The reconciler's part for private zones, their VPC associations and record sets: settle pending rows.
import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/types.ts';

/**
 * Zones and record sets have no resource of their own on the host: they become the answers of the VPCs' data plane
 * contexts, built from ACTIVE rows after the pass. PENDING_CREATE/PENDING_UPDATE settle to ACTIVE (DISABLE for a row
 * disabled by the API), PENDING_DELETE rows are removed (a zone with its associations and record sets). Returns the
 * number of changes.
 */
export async function reconcileZones(store: Store, clock: Clock, batch: number): Promise<number> {
  let changed = 0;
  for (const z of await store.zones.findPending(batch)) {
    if (z.status === 'PENDING_DELETE') {
      await store.transaction((tx) => tx.zones.delete(z.id));
      changed++;
    } else if (await store.zones.transition(z.id, z.status, z.disabled ? 'DISABLE' : 'ACTIVE', clock.now())) {
      changed++;
    }
  }
  for (const a of await store.zones.findPendingVpcs(batch)) {
    if (a.status === 'PENDING_DELETE') {
      await store.zones.removeVpc(a.zoneId, a.vpcId);
      changed++;
    } else if (await store.zones.setVpcStatus(a.zoneId, a.vpcId, a.status, 'ACTIVE', clock.now())) {
      changed++;
    }
  }
  for (const r of await store.recordSets.findPending(batch)) {
    if (r.status === 'PENDING_DELETE') {
      await store.recordSets.delete(r.id);
      changed++;
    } else if (await store.recordSets.transition(r.id, r.status, r.disabled ? 'DISABLE' : 'ACTIVE', clock.now())) {
      changed++;
    }
  }
  return changed;
}
