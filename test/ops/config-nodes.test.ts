// A node's cluster settings: roles, node name, the CIDRs a DNS node serves, the timings; and refusal of nonsense.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLUSTER_DEFAULTS, hostServeCidrs, parseRoles, parseServeCidrs } from '../../src/cluster-config.ts';
import { loadConfig } from '../../src/config.ts';
import { serve } from '../../src/main.ts';

const PG = 'postgres://postgres@127.0.0.1:5432/x';

describe('node settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-cfg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (text: string) => {
    const f = join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, text);
    return f;
  };

  it('default: every role, the host name, the host\'s own addresses, the documented timings', () => {
    const n = loadConfig({ db: ':memory:' }, {}).node;
    assert.deepEqual([...n.roles].sort(), ['api', 'dns', 'reconciler']);
    assert.equal(n.nodeName, hostname());
    assert.deepEqual(n.serveCidrs, hostServeCidrs());
    assert.deepEqual(n.cluster, { heartbeatMs: 2000, deadAfterMs: 10_000, repairMs: 30_000 });
    assert.deepEqual(CLUSTER_DEFAULTS, n.cluster);
  });

  it('roles from the flag, the environment, then the file (a list or a comma string)', () => {
    const f = file('roles: [api, dns]\n');
    assert.deepEqual([...loadConfig({ db: PG, config: f }, {}).node.roles], ['api', 'dns']);
    assert.deepEqual([...loadConfig({ db: PG, config: f }, { VPCDNS_ROLES: 'reconciler' }).node.roles], ['reconciler']);
    assert.deepEqual([...loadConfig({ db: PG, config: f, roles: 'dns' }, { VPCDNS_ROLES: 'reconciler' }).node.roles], ['dns']);
    assert.deepEqual([...loadConfig({ db: PG, config: file('roles: "api, reconciler"\n') }, {}).node.roles], ['api', 'reconciler']);
  });

  it('refuses unknown roles and an empty set', () => {
    assert.throws(() => parseRoles('api,web'), /unknown role "web"/);
    assert.throws(() => parseRoles(''), /at least one/);
    assert.throws(() => parseRoles(' , '), /at least one/);
    assert.throws(() => loadConfig({ db: PG, roles: 'api,dsn' }, {}), /unknown role "dsn"/);
  });

  it('on SQLite only the full set is allowed, with a clear error', () => {
    assert.throws(() => loadConfig({ db: ':memory:', roles: 'api' }, {}), /--roles api: on SQLite a node serves every role/);
    assert.throws(() => loadConfig({ db: './x.sqlite', roles: 'api,dns' }, {}), /on SQLite/);
    assert.equal(loadConfig({ db: ':memory:', roles: 'dns,api,reconciler' }, {}).node.roles.size, 3);
  });

  it('dns.enabled: false is a node without the dns role (on SQLite too), unless roles are given', () => {
    const f = file('dns: { enabled: false }\n');
    assert.deepEqual([...loadConfig({ db: ':memory:', config: f }, {}).node.roles], ['api', 'reconciler']);
    assert.deepEqual([...loadConfig({ db: PG, config: f }, {}).node.roles], ['api', 'reconciler']);
    assert.deepEqual([...loadConfig({ db: PG, config: f, roles: 'dns' }, {}).node.roles], ['dns']);
  });

  it('node name from the flag, the environment, then the file', () => {
    const f = file('node_name: from-file\n');
    assert.equal(loadConfig({ db: PG, config: f }, {}).node.nodeName, 'from-file');
    assert.equal(loadConfig({ db: PG, config: f }, { VPCDNS_NODE_NAME: 'from-env' }).node.nodeName, 'from-env');
    assert.equal(loadConfig({ db: PG, config: f, nodeName: 'dns-1.rack2' }, { VPCDNS_NODE_NAME: 'from-env' }).node.nodeName, 'dns-1.rack2');
  });

  it('refuses a node name that cannot appear in error_info and metric labels as it is', () => {
    for (const bad of ['', '-x', 'a b', 'a,b', 'x'.repeat(64), 'ünï']) {
      assert.throws(() => loadConfig({ db: PG, nodeName: bad }, {}), /--node-name must be/, bad);
    }
  });

  it('serve CIDRs from the flag, the environment, then dns.serve_cidrs; a bare address is a /32', () => {
    const f = file('dns: { serve_cidrs: ["127.16.0.0/16"] }\n');
    assert.deepEqual(loadConfig({ db: PG, config: f }, {}).node.serveCidrs, ['127.16.0.0/16']);
    assert.deepEqual(loadConfig({ db: PG, config: f }, { VPCDNS_SERVE_CIDRS: '10.0.0.0/8' }).node.serveCidrs, ['10.0.0.0/8']);
    assert.deepEqual(loadConfig({ db: PG, config: f, serveCidrs: '127.17.0.0/16, 192.0.2.7' }, {}).node.serveCidrs, ['127.17.0.0/16', '192.0.2.7/32']);
  });

  it('refuses CIDRs with host bits or that are not IPv4', () => {
    for (const bad of ['127.16.0.1/16', '10.0.0.0/33', 'fe80::/10', 'ten']) assert.throws(() => parseServeCidrs(bad), /--serve-cidrs/, bad);
  });

  it('the host\'s addresses: each a /32, and a loopback interface covers all of 127/8', () => {
    const got = hostServeCidrs({
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [
        { address: '10.1.2.3', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: '10.1.2.3/24' },
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
      ],
    });
    assert.deepEqual(got, ['10.1.2.3/32', '127.0.0.0/8']);
  });

  it('cluster timings from the file, with dead_after at least twice the heartbeat', () => {
    const n = loadConfig({ db: PG, config: file('cluster: { heartbeat_ms: 500, dead_after_ms: 3000, repair_ms: 10000 }\n') }, {}).node;
    assert.deepEqual(n.cluster, { heartbeatMs: 500, deadAfterMs: 3000, repairMs: 10_000 });
    assert.throws(() => loadConfig({ db: PG, config: file('cluster: { heartbeat_ms: 2000, dead_after_ms: 3000 }\n') }, {}), /at least twice/);
    assert.throws(() => loadConfig({ db: PG, config: file('cluster: { heartbeat_ms: 10 }\n') }, {}), /heartbeat_ms/);
    assert.throws(() => loadConfig({ db: PG, config: file('cluster: { beat: 1 }\n') }, {}), /cluster/);
  });

  it('serve refuses a split of roles it does not run yet, before it opens the database', async () => {
    await assert.rejects(serve({ db: PG, roles: 'api' }), /--roles api: this version runs every role .* not served yet/);
    await assert.rejects(serve({ db: PG, roles: 'dns,reconciler' }), /not served yet/);
  });
});
