// The DNS worker setting: flag, environment, config file, default, and refusal of nonsense.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';

describe('dns.workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-cfg-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'dns: { workers: 3 }\n');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to one per core less one, at least 1', () => {
    assert.equal(loadConfig({}, {}).dns.workers, Math.max(1, availableParallelism() - 1));
  });

  it('is read from the config file, then the environment, then the flag', () => {
    assert.equal(loadConfig({ config: file }, {}).dns.workers, 3);
    assert.equal(loadConfig({ config: file }, { VPCDNS_DNS_WORKERS: '1' }).dns.workers, 1);
    assert.equal(loadConfig({ config: file, dnsWorkers: '2' }, { VPCDNS_DNS_WORKERS: '1' }).dns.workers, 2);
  });

  it('refuses what is not a whole number from 1 to 256', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '257']) {
      assert.throws(() => loadConfig({ dnsWorkers: bad }, {}), /--dns-workers must be 1-256/);
    }
  });
});

describe('dns TCP limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-cfg-'));
  const file = join(dir, 'c.yaml');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are read from the config file, and left to the data plane\'s defaults when absent', () => {
    writeFileSync(file, 'dns: { tcp_frame_timeout_ms: 1500, tcp_max_connections: 200, tcp_max_pipelined: 16, tcp_write_high_water_bytes: 8192, tcp_max_queued_bytes: 65536 }\n');
    const dns = loadConfig({ config: file }, {}).dns;
    assert.deepEqual(
      [dns.tcpFrameTimeoutMs, dns.tcpMaxConnections, dns.tcpMaxPipelined, dns.tcpWriteHighWaterBytes, dns.tcpMaxQueuedBytes],
      [1500, 200, 16, 8192, 65536],
    );
    assert.equal(loadConfig({}, {}).dns.tcpMaxConnections, undefined);
  });

  it('refuses values below their minimum', () => {
    writeFileSync(file, 'dns: { tcp_max_connections: 0 }\n');
    assert.throws(() => loadConfig({ config: file }, {}), /tcp_max_connections/);
  });
});

describe('dns cache byte bounds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-cfg-'));
  const file = join(dir, 'c.yaml');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are read from the config file, and left to the data plane\'s defaults when absent', () => {
    writeFileSync(file, 'dns: { cache_bytes: 1048576, cache_max_entry_bytes: 4096 }\n');
    const dns = loadConfig({ config: file }, {}).dns;
    assert.deepEqual([dns.cacheBytes, dns.cacheMaxEntryBytes], [1048576, 4096]);
    assert.deepEqual([loadConfig({}, {}).dns.cacheBytes, loadConfig({}, {}).dns.cacheMaxEntryBytes], [undefined, undefined]);
  });

  it('refuses values below their minimum', () => {
    writeFileSync(file, 'dns: { cache_bytes: 1000 }\n');
    assert.throws(() => loadConfig({ config: file }, {}), /cache_bytes/);
    writeFileSync(file, 'dns: { cache_max_entry_bytes: 100 }\n');
    assert.throws(() => loadConfig({ config: file }, {}), /cache_max_entry_bytes/);
  });
});
