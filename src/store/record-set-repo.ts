// Kysely repository of record sets in private zones.
import type { Selectable } from 'kysely';
import { guarded, num, type RepoContext } from './context.ts';
import { isPendingSql } from './schema.ts';
import type { RecordSetRecord, RecordSetRepo, RecordSetsTable } from './zone-types.ts';

export const toRecordSet = (r: Selectable<RecordSetsTable>): RecordSetRecord => ({
  id: r.id,
  zoneId: r.zone_id,
  projectId: r.project_id,
  name: r.name,
  type: r.type,
  ttl: num(r.ttl),
  records: JSON.parse(r.records) as string[],
  description: r.description,
  status: r.status,
  disabled: num(r.disabled) === 1,
  isDefault: num(r.is_default) === 1,
  tags: JSON.parse(r.tags) as RecordSetRecord['tags'],
  createdAt: num(r.created_at),
  updatedAt: r.updated_at === null ? null : num(r.updated_at),
});

/** The record set repository of a database or transaction. */
export function makeRecordSetRepo({ db }: RepoContext): RecordSetRepo {
  const joined = () => db.selectFrom('record_sets').innerJoin('private_zones as z', 'z.id', 'record_sets.zone_id');
  return {
    async create(r) {
      await guarded(
        db
          .insertInto('record_sets')
          .values({
            id: r.id,
            zone_id: r.zoneId,
            project_id: r.projectId,
            name: r.name,
            type: r.type,
            ttl: r.ttl,
            records: JSON.stringify(r.records),
            description: r.description,
            status: r.status,
            disabled: r.disabled ? 1 : 0,
            is_default: r.isDefault ? 1 : 0,
            tags: JSON.stringify(r.tags),
            created_at: r.createdAt,
            updated_at: r.updatedAt,
          })
          .execute(),
      );
    },
    async get(zoneId, id) {
      const r = await db.selectFrom('record_sets').selectAll().where('zone_id', '=', zoneId).where('id', '=', id).executeTakeFirst();
      return r && toRecordSet(r);
    },
    async getById(projectId, id) {
      const r = await joined().selectAll('record_sets').select('z.name as zone_name').where('record_sets.project_id', '=', projectId).where('record_sets.id', '=', id).executeTakeFirst();
      return r && { ...toRecordSet(r), zoneName: r.zone_name };
    },
    async find(projectId, filter, page) {
      let base = joined().where('record_sets.project_id', '=', projectId);
      if (filter.zoneId !== undefined) base = base.where('record_sets.zone_id', '=', filter.zoneId);
      if (filter.name !== undefined) base = base.where('record_sets.name', 'like', `%${filter.name.toLowerCase().replace(/[%_\\]/g, '')}%`);
      if (filter.id !== undefined) base = base.where('record_sets.id', '=', filter.id);
      if (filter.type !== undefined) base = base.where('record_sets.type', '=', filter.type.toUpperCase());
      if (filter.status !== undefined) base = base.where('record_sets.status', '=', filter.status as RecordSetRecord['status']);
      if (filter.records !== undefined) base = base.where('record_sets.records', 'like', `%${filter.records.replace(/[%_\\"]/g, '')}%`);
      let rows = base.selectAll('record_sets').select('z.name as zone_name').orderBy('record_sets.created_at').orderBy('record_sets.id');
      const after = page.after;
      if (after) {
        rows = rows.where((eb) =>
          eb.or([eb('record_sets.created_at', '>', after.createdAt), eb.and([eb('record_sets.created_at', '=', after.createdAt), eb('record_sets.id', '>', after.id)])]),
        );
      } else {
        rows = rows.offset(page.offset);
      }
      const [found, total] = await Promise.all([rows.limit(page.limit + 1).execute(), base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()]);
      return {
        items: found.slice(0, page.limit).map((r) => ({ ...toRecordSet(r), zoneName: r.zone_name })),
        total: num(total.n),
        more: found.length > page.limit,
      };
    },
    async listByName(zoneId, name) {
      return (await db.selectFrom('record_sets').selectAll().where('zone_id', '=', zoneId).where('name', '=', name).execute()).map(toRecordSet);
    },
    async update(id, patch) {
      const values: Partial<RecordSetsTable> = { updated_at: patch.updatedAt };
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.type !== undefined) values.type = patch.type;
      if (patch.ttl !== undefined) values.ttl = patch.ttl;
      if (patch.records !== undefined) values.records = JSON.stringify(patch.records);
      if (patch.description !== undefined) values.description = patch.description;
      if (patch.status !== undefined) values.status = patch.status;
      if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0;
      if (patch.tags !== undefined) values.tags = JSON.stringify(patch.tags);
      await guarded(db.updateTable('record_sets').set(values).where('id', '=', id).execute());
    },
    async transition(id, from, to, now) {
      const r = await db.updateTable('record_sets').set({ status: to, updated_at: now }).where('id', '=', id).where('status', '=', from).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async delete(id) {
      await db.deleteFrom('record_sets').where('id', '=', id).execute();
    },
    async countByZone(zoneId) {
      const r = await db.selectFrom('record_sets').select((eb) => eb.fn.countAll<number>().as('n')).where('zone_id', '=', zoneId).executeTakeFirstOrThrow();
      return num(r.n);
    },
    async findPending(limit) {
      return (await db.selectFrom('record_sets').selectAll().where(isPendingSql).orderBy('updated_at').limit(limit).execute()).map(toRecordSet);
    },
  };
}
