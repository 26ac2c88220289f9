// The lifecycle: manual progression, ERROR with error_info, recovery after a restart, auto mode reacting at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { TRANSITIONS, canTransition } from '../../src/domain/status.ts';
import { DATABASES, FakeProvisioner, createEndpoint, makeHarness, type DbKind } from '../helpers/harness.ts';

describe('status transitions', () => {
  it('are declared once as data and checked by who makes them', () => {
    assert.ok(canTransition('endpoint', 'PENDING_CREATE', 'ACTIVE', 'reconciler'));
    assert.ok(!canTransition('endpoint', 'PENDING_CREATE', 'ACTIVE', 'api'), 'only the reconciler makes things ACTIVE');
    assert.ok(!canTransition('address', 'PENDING_DELETE', 'ACTIVE', 'reconciler'));
    for (const kind of ['endpoint', 'address'] as const) {
      for (const t of TRANSITIONS[kind]) if (t.to === 'ACTIVE' || t.to === 'ERROR') assert.equal(t.by, 'reconciler');
    }
  });
});

for (const db of DATABASES) {
  describe(`lifecycle on ${db}`, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'vpcdns-life-'));
    after(() => rmSync(tmp, { recursive: true, force: true }));

    it('stays PENDING_CREATE until the reconciler runs (manual progression)', async () => {
      const h = await makeHarness(db);
      try {
        const ep = await createEndpoint(h);
        assert.equal((await h.req('GET', `/v2.1/endpoints/${ep.id}`)).body.endpoint.status, 'PENDING_CREATE');
        assert.ok((await h.settle()) > 0);
        assert.equal((await h.req('GET', `/v2.1/endpoints/${ep.id}`)).body.endpoint.status, 'ACTIVE');
        assert.equal(await h.settle(), 0, 'nothing left to do');
      } finally {
        await h.close();
      }
    });

    it('puts an address that cannot be activated in ERROR with error_info, and the endpoint in ERROR', async () => {
      const provisioner = new FakeProvisioner();
      provisioner.failing.set('10.0.1.33', 'cannot bind 10.0.1.33:53/udp: EADDRNOTAVAIL (address not on this host)');
      const h = await makeHarness(db, { provisioner });
      try {
        const ep = await createEndpoint(h, { ipaddresses: [{ subnet_id: h.subnetId, ip: '10.0.1.33' }, { subnet_id: h.subnetId }] });
        await h.settle();
        assert.equal((await h.req('GET', `/v2.1/endpoints/${ep.id}`)).body.endpoint.status, 'ERROR');
        const ips = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
        const bad = ips.find((a: any) => a.ip === '10.0.1.33');
        assert.equal(bad.status, 'ERROR');
        assert.match(bad.error_info, /EADDRNOTAVAIL/);
        // The fix a user makes: bind a good address, unbind the bad one; the endpoint recovers.
        assert.equal((await h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { subnet_id: h.subnetId } })).status, 202);
        assert.equal((await h.req('DELETE', `/v2.1/endpoints/${ep.id}/ipaddresses/${bad.id}`)).status, 202);
        await h.settle();
        assert.equal((await h.req('GET', `/v2.1/endpoints/${ep.id}`)).body.endpoint.status, 'ACTIVE');
        // An ERROR endpoint can be deleted too.
        const broken = await createEndpoint(h, { ipaddresses: [{ subnet_id: h.subnetId, ip: '10.0.1.33' }, { subnet_id: h.subnetId }] });
        await h.settle();
        assert.equal((await h.req('DELETE', `/v2.1/endpoints/${broken.id}`)).status, 202);
        await h.settle();
        assert.equal((await h.req('GET', `/v2.1/endpoints/${broken.id}`)).status, 404);
      } finally {
        await h.close();
      }
    });

    it('picks up pending work and re-acquires ACTIVE addresses after a restart', async () => {
      const pgSchema = `t_${randomBytes(6).toString('hex')}`;
      const sqlitePath = join(tmp, `restart-${randomBytes(3).toString('hex')}.sqlite`);
      const where = { pgSchema, sqlitePath };
      const first = await makeHarness(db as DbKind, { ...where, keep: true });
      const settled = await createEndpoint(first, { name: 'settled' });
      const deleting = await createEndpoint(first, { name: 'deleting' });
      await first.settle();
      await first.req('DELETE', `/v2.1/endpoints/${deleting.id}`);
      const pending = await createEndpoint(first, { name: 'pending' });
      // The process "dies" here: pending work is left in the database.
      await first.close();

      const provisioner = new FakeProvisioner();
      const second = await makeHarness(db as DbKind, { ...where, provisioner });
      try {
        // start() re-acquired only the two ACTIVE addresses of `settled`; the others are still pending.
        assert.equal(provisioner.active.size, 2, `restored: ${provisioner.calls.join('; ')}`);
        await second.settle();
        assert.equal((await second.req('GET', `/v2.1/endpoints/${settled.id}`)).body.endpoint.status, 'ACTIVE');
        assert.equal((await second.req('GET', `/v2.1/endpoints/${pending.id}`)).body.endpoint.status, 'ACTIVE');
        assert.equal((await second.req('GET', `/v2.1/endpoints/${deleting.id}`)).status, 404);
        assert.equal(provisioner.active.size, 4);
      } finally {
        await second.close();
      }
    });

    it('marks ACTIVE addresses ERROR when they cannot be re-acquired after a restart, and retries them', async () => {
      const pgSchema = `t_${randomBytes(6).toString('hex')}`;
      const sqlitePath = join(tmp, `reacquire-${randomBytes(3).toString('hex')}.sqlite`);
      const first = await makeHarness(db as DbKind, { pgSchema, sqlitePath, keep: true });
      const ep = await createEndpoint(first, { ipaddresses: [{ subnet_id: first.subnetId, ip: '10.0.1.44' }, { subnet_id: first.subnetId }] });
      await first.settle();
      await first.close();
      const provisioner = new FakeProvisioner();
      provisioner.failing.set('10.0.1.44', 'address no longer on this host');
      const second = await makeHarness(db as DbKind, { pgSchema, sqlitePath, provisioner });
      try {
        assert.equal((await second.req('GET', `/v2.1/endpoints/${ep.id}`)).body.endpoint.status, 'ERROR');
        provisioner.failing.clear();
        await second.sys.reconciler.retryErrored();
        assert.equal((await second.req('GET', `/v2.1/endpoints/${ep.id}`)).body.endpoint.status, 'ACTIVE');
      } finally {
        await second.close();
      }
    });

    it('in auto mode, reacts to a write at once (no timer): ACTIVE by the time the reconciler is idle', async () => {
      const h = await makeHarness(db, { mode: 'auto', separateReconcilerStore: true });
      try {
        const ep = await createEndpoint(h);
        await h.sys.reconciler.idle();
        assert.equal((await h.req('GET', `/v2.1/endpoints/${ep.id}`)).body.endpoint.status, 'ACTIVE');
        const bound = await h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { subnet_id: h.subnetId, ip: '' } });
        assert.equal(bound.status, 202);
        await h.sys.reconciler.idle();
        const ips = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
        assert.equal(ips.length, 3);
        assert.ok(ips.every((a: any) => a.status === 'ACTIVE'));
      } finally {
        await h.close();
      }
    });
  });
}
