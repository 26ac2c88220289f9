// Query log tests: one JSON line per query with the documented fields, only for VPCs that have a log destination.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../../src/domain/clock.ts';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';
import { FakeUpstream, udpQuery } from './helpers.ts';

const NET = loopbackNet();
const PORT = await freeDnsPort([142, 144, 145].map((h) => NET.ip(h)));

describe('DataPlane query logs', () => {
  let dir: string;
  let up: FakeUpstream;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpcdns-qlog-'));
    up = await FakeUpstream.start(NET.ip(141));
  });
  after(async () => {
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSON line per query with rule, upstream and rcode', async () => {
    const file = join(dir, 'vpc-1.jsonl');
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 8, 0, 0));
    const dp = new DataPlane({ port: PORT, clock });
    dp.setVpcs([
      {
        vpcId: 'vpc-1',
        rules: [{ id: 'rule-1', domain: 'corp.example', targets: [up.target], sourceIps: [NET.ip(143)], endpointId: 'ep' }],
        upstreams: [],
        queryLog: { configId: 'qlc-1', file },
      },
      { vpcId: 'vpc-2', rules: [], upstreams: [up.target] },
    ]);
    await dp.bindListener(NET.ip(142), 'vpc-1');
    await dp.bindListener(NET.ip(144), 'vpc-2');
    await udpQuery(NET.ip(142), PORT, 'www.corp.example');
    await udpQuery(NET.ip(142), PORT, 'www.corp.example');
    await udpQuery(NET.ip(142), PORT, 'www.example.org', { type: 'AAAA' });
    await udpQuery(NET.ip(144), PORT, 'not-logged.example.org');
    await dp.close();

    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 3);
    const [first, second, third] = lines;
    assert.equal(first?.time, '2025-06-01T08:00:00.000Z');
    assert.equal(first?.vpc_id, 'vpc-1');
    assert.equal(first?.client_ip, '127.0.0.1');
    assert.equal(typeof first?.client_port, 'number');
    assert.equal(first?.qname, 'www.corp.example');
    assert.equal(first?.qtype, 'A');
    assert.equal(first?.rcode, 'NOERROR');
    assert.equal(typeof first?.latency_ms, 'number');
    assert.equal(first?.rule_id, 'rule-1');
    assert.equal(first?.upstream, `${NET.ip(141)}:${up.port}`);
    assert.equal(second?.upstream, 'cache');
    assert.deepEqual([third?.qtype, third?.rcode, third?.rule_id, third?.upstream], ['AAAA', 'REFUSED', null, null]);
  });

  it('drops lines and counts them when the file cannot be written', async () => {
    const logged: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const dp = new DataPlane({ port: PORT, log });
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [], upstreams: [up.target], queryLog: { configId: 'q', file: join(dir, 'missing-dir', 'x.jsonl') } }]);
    await dp.bindListener(NET.ip(145), 'vpc-1');
    try {
      assert.equal((await udpQuery(NET.ip(145), PORT, 'a.example.org')).rcode, 'NOERROR');
      await until('the open to fail', () => logged.some((l) => l.includes('query log file failed')));
      assert.equal((await udpQuery(NET.ip(145), PORT, 'b.example.org')).rcode, 'NOERROR');
      assert.ok(dp.stats().queryLogDropped >= 1);
    } finally {
      await dp.close();
    }
  });
});
