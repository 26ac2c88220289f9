// The data plane's protocol settings in the config file: dns.identity, dns.version, dns.pass_client_subnet.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';

describe('dns.identity, dns.version, dns.pass_client_subnet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-cfg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const withFile = (text: string): string => {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    return file;
  };

  it('are unset by default: no NSID, CHAOS REFUSED, CLIENT-SUBNET stripped', () => {
    const dns = loadConfig({}, {}).dns;
    assert.deepEqual([dns.identity, dns.version, dns.passClientSubnet], [undefined, undefined, undefined]);
  });

  it('are read from the config file', () => {
    const dns = loadConfig({ config: withFile('dns: { identity: node-7, version: "vpcdns 1", pass_client_subnet: true }\n') }, {}).dns;
    assert.deepEqual([dns.identity, dns.version, dns.passClientSubnet], ['node-7', 'vpcdns 1', true]);
  });

  it('refuses an identity longer than 255 bytes, or an empty one', () => {
    assert.throws(() => loadConfig({ config: withFile(`dns: { identity: "${'é'.repeat(200)}" }\n`) }, {}), /dns\.identity must be at most 255 bytes/);
    assert.throws(() => loadConfig({ config: withFile('dns: { version: "" }\n') }, {}), /version/);
  });
});
