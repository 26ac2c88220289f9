// The storage contract of the rule verbs outside the API suites (rules.endpointsWithRules), on every database.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Status } from '../../src/domain/status.ts';
import type { Store } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex } from '../helpers/store-fixture.ts';
import { useContractStore } from './contract-fixture.ts';

for (const db of DATABASES) {
  describe(`rule storage contract on ${db}`, () => {
    const fixture = useContractStore(db);
    const { tick, project, vpc, endpoint } = fixture;
    let store: Store;
    before(() => {
      store = fixture.store;
    });

    describe('rules', () => {
      it('endpointsWithRules names the endpoints that have a rule, in any status', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const [e, f, g] = [await endpoint(v), await endpoint(v), await endpoint(v)];
        const rule = (endpointId: string, status: Status) => ({
          id: hex(),
          projectId: p.id,
          name: `r-${hex().slice(0, 8)}`,
          domainName: `${hex().slice(0, 8)}.example.`,
          domainKey: `${hex().slice(0, 8)}.example`,
          endpointId,
          status,
          createdAt: tick(),
          updatedAt: tick(),
        });
        await store.rules.create(rule(e.id, 'ACTIVE'), [{ ip: '10.0.0.53', port: 53 }]);
        await store.rules.create(rule(f.id, 'PENDING_DELETE'), [{ ip: '10.0.0.53', port: 53 }]);
        assert.deepEqual(await store.rules.endpointsWithRules([e.id, f.id, g.id]), new Set([e.id, f.id]));
        assert.deepEqual(await store.rules.endpointsWithRules([g.id]), new Set());
        assert.deepEqual(await store.rules.endpointsWithRules([]), new Set());
      });
    });
  });
}
