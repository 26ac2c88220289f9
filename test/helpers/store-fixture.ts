// A store of its own for a storage suite (a fresh PostgreSQL schema, or SQLite in memory), a test clock, and projects.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import type { ProjectRecord, Store } from '../../src/store/types.ts';
import { dropPgSchema, openTestStore, type DbKind } from './harness.ts';

export const hex = (): string => randomBytes(16).toString('hex');

export interface StoreFixture {
  /** Set by the fixture's own before(); read it inside tests or hooks. */
  store: Store;
  /** Strictly increasing milliseconds, so creation order is sort order. */
  tick(): number;
  /** Moves the clock forward to at least `ms`. */
  skipTo(ms: number): void;
  /** A new project: each test works in its own, so counts and pages are not disturbed by the others. */
  project(): Promise<ProjectRecord>;
}

export function useStore(db: DbKind): StoreFixture {
  const pgSchema = `t_${randomBytes(6).toString('hex')}`;
  let clock = 1_735_732_800_000;
  const f: StoreFixture = {
    store: undefined as unknown as Store,
    tick: () => ++clock,
    skipTo: (ms) => {
      clock = Math.max(clock, ms);
    },
    async project() {
      const p = { id: hex(), name: `p-${hex()}`, createdAt: f.tick() };
      await f.store.projects.create(p);
      return p;
    },
  };
  before(async () => {
    f.store = await openTestStore(db, { pgSchema });
  });
  after(async () => {
    await f.store.close();
    if (db === 'postgres') await dropPgSchema(pgSchema);
  });
  return f;
}
