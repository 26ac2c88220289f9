// Record sets of private zones (operations S1-S6): names inside the zone, values per type, CNAME exclusivity, quotas.
import {
  defaultRecordSet,
  invalidMarker,
  invalidRecordSetName,
  invalidRecordType,
  invalidRecordValue,
  recordSetExists,
  recordSetNotFound,
  recordSetNotSteady,
  recordSetQuotaExceeded,
  zoneNotFound,
  zoneNotNormal,
} from '../domain/errors.ts';
import { isResourceId, newResourceId } from '../domain/ids.ts';
import { isReverseZone, recordSetName, recordsError, type RecordType } from '../domain/record-values.ts';
import type { Page, Repos } from '../store/types.ts';
import { ConstraintViolation } from '../store/types.ts';
import type { RecordSetFilter, RecordSetRecord, RecordSetView, Tag, ZoneView } from '../store/zone-types.ts';
import type { Principal, ServiceDeps } from './context.ts';

export const DEFAULT_RECORD_SET_QUOTA = 500;
export const DEFAULT_RECORD_TTL = 300;

export interface CreateRecordSetInput {
  name: string;
  type: RecordType;
  records: string[];
  ttl?: number;
  description?: string | null;
  status?: 'ENABLE' | 'DISABLE';
  tags?: Tag[];
}

export interface UpdateRecordSetInput {
  name?: string;
  type?: RecordType;
  records?: string[];
  ttl?: number;
  description?: string | null;
}

export class RecordSetService {
  constructor(private readonly deps: ServiceDeps) {}

  /** S1: written PENDING_CREATE; the reconciler makes it ACTIVE (or DISABLE when created disabled). */
  async createRecordSet(p: Principal, zoneId: string, input: CreateRecordSetInput): Promise<RecordSetView> {
    const view = await this.deps.store.transaction(async (tx) => {
      const zone = await this.lockSteadyZone(tx, p, zoneId);
      const set = checkSet(zone, input.name, input.type, input.records);
      const quota = this.deps.settings.quotas.recordSetsPerZone ?? DEFAULT_RECORD_SET_QUOTA;
      if ((await tx.recordSets.countByZone(zoneId)) >= quota) throw recordSetQuotaExceeded(quota);
      await assertNoConflict(tx, zoneId, set.name, set.type);
      const now = this.deps.clock.now();
      const record: RecordSetRecord = {
        id: newResourceId(),
        zoneId,
        projectId: p.projectId,
        name: set.name,
        type: set.type,
        ttl: input.ttl ?? DEFAULT_RECORD_TTL,
        records: input.records,
        description: input.description ?? null,
        status: 'PENDING_CREATE',
        disabled: input.status === 'DISABLE',
        isDefault: false,
        tags: input.tags ?? [],
        createdAt: now,
        updatedAt: null,
      };
      await tx.recordSets.create(record).catch(uniqueToConflict(set.name, set.type));
      return { ...record, zoneName: zone.name };
    });
    this.deps.notify();
    return view;
  }

  async showRecordSet(p: Principal, zoneId: string, id: string): Promise<RecordSetView> {
    const set = await this.deps.store.recordSets.getById(p.projectId, id);
    if (!set || set.zoneId !== zoneId) {
      if (!(await this.deps.store.zones.get(p.projectId, zoneId))) throw zoneNotFound(zoneId);
      throw recordSetNotFound(id);
    }
    return set;
  }

  /** S2 (one zone, which must exist) and S3 (every zone of the project): oldest first, SOA and NS included. */
  async listRecordSets(p: Principal, filter: RecordSetFilter, page: Page & { marker?: string }) {
    if (filter.zoneId !== undefined && !(await this.deps.store.zones.get(p.projectId, filter.zoneId))) throw zoneNotFound(filter.zoneId);
    let after: { createdAt: number; id: string } | undefined;
    if (page.marker) {
      const m = isResourceId(page.marker) ? await this.deps.store.recordSets.getById(p.projectId, page.marker) : undefined;
      if (!m) throw invalidMarker(page.marker);
      after = { createdAt: m.createdAt, id: m.id };
    }
    return this.deps.store.recordSets.find(p.projectId, filter, { limit: page.limit, offset: page.offset, after });
  }

  /** S5: name, type, records, ttl, description; absent fields unchanged. A renamed or retyped set is checked anew. */
  async updateRecordSet(p: Principal, zoneId: string, id: string, input: UpdateRecordSetInput): Promise<RecordSetView> {
    const view = await this.deps.store.transaction(async (tx) => {
      const zone = await this.lockSteadyZone(tx, p, zoneId);
      const current = await tx.recordSets.get(zoneId, id);
      if (!current) throw recordSetNotFound(id);
      if (current.isDefault) throw defaultRecordSet(id, 'updated');
      if (current.status.startsWith('PENDING_')) throw recordSetNotSteady(id, current.status);
      const type = input.type ?? (current.type as RecordType);
      const records = input.records ?? current.records;
      const set = checkSet(zone, input.name ?? current.name, type, records);
      if (set.name !== current.name || set.type !== current.type) await assertNoConflict(tx, zoneId, set.name, set.type, id);
      const now = this.deps.clock.now();
      const patch = { name: set.name, type: set.type, records, ttl: input.ttl, description: input.description, status: 'PENDING_UPDATE' as const, updatedAt: now };
      await tx.recordSets.update(id, patch).catch(uniqueToConflict(set.name, set.type));
      return { ...current, ...patch, ttl: input.ttl ?? current.ttl, description: input.description === undefined ? current.description : input.description, zoneName: zone.name };
    });
    this.deps.notify();
    return view;
  }

  /** S6: PENDING_DELETE, then gone. The zone's SOA and NS go only with the zone. */
  async deleteRecordSet(p: Principal, zoneId: string, id: string): Promise<RecordSetView> {
    const view = await this.deps.store.transaction(async (tx) => {
      const zone = await this.lockSteadyZone(tx, p, zoneId);
      const current = await tx.recordSets.get(zoneId, id);
      if (!current) throw recordSetNotFound(id);
      if (current.isDefault) throw defaultRecordSet(id, 'deleted');
      if (current.status === 'PENDING_DELETE') return { ...current, zoneName: zone.name };
      if (current.status.startsWith('PENDING_')) throw recordSetNotSteady(id, current.status);
      const now = this.deps.clock.now();
      await tx.recordSets.update(id, { status: 'PENDING_DELETE', updatedAt: now });
      return { ...current, status: 'PENDING_DELETE' as const, updatedAt: now, zoneName: zone.name };
    });
    this.deps.notify();
    return view;
  }

  private async lockSteadyZone(tx: Repos, p: Principal, zoneId: string): Promise<ZoneView> {
    await tx.zones.lock(zoneId);
    const zone = await tx.zones.get(p.projectId, zoneId);
    if (!zone) throw zoneNotFound(zoneId);
    if (zone.status !== 'ACTIVE' && zone.status !== 'DISABLE') throw zoneNotNormal(zoneId, zone.status);
    return zone;
  }
}

/** The name as stored and the type, or the documented error: name inside the zone, PTR in reverse zones, values per type. */
function checkSet(zone: ZoneView, rawName: string, type: RecordType, records: readonly string[]): { name: string; type: RecordType } {
  const named = recordSetName(rawName, zone.name, type);
  if ('error' in named) throw invalidRecordSetName(named.error);
  if (type === 'PTR' && !isReverseZone(zone.name)) throw invalidRecordType(`type: PTR sets belong in reverse zones (in-addr.arpa, ip6.arpa); ${zone.name} is not one.`);
  const bad = recordsError(type, records);
  if (bad) throw invalidRecordValue(bad.error, bad.field);
  return { name: named.name, type };
}

/** Same name and type twice, or a CNAME beside other data at one name (RFC 1034 3.6.2): DNS.0312. */
async function assertNoConflict(tx: Repos, zoneId: string, name: string, type: string, self?: string): Promise<void> {
  for (const other of await tx.recordSets.listByName(zoneId, name)) {
    if (other.id === self) continue;
    if (other.type === type || other.type === 'CNAME' || type === 'CNAME') throw recordSetExists(name, other.type);
  }
}

const uniqueToConflict = (name: string, type: string) => (e: unknown) => {
  if (e instanceof ConstraintViolation && e.kind === 'unique') throw recordSetExists(name, type);
  throw e;
};
