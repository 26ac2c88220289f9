// The real process: the first start prints a token and an access key once; the SDK and `vpcdns admin` work against it.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';

const BIN = new URL('../../bin/vpcdns.js', import.meta.url).pathname;
const run = promisify(execFile);

interface Running {
  child: ChildProcess;
  address: string;
  output: () => string;
}

function start(args: string[]): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const address = /"address":"(http:\/\/[^"]+)"/.exec(out)?.[1];
      // The banner follows the "serving" line; wait for its end when there is one.
      if (address && (!out.includes('First start') || out.includes('Or sign requests'))) resolve({ child, address, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before serving:\n${out}`)));
  });
}

function stop(r: Running): Promise<number | null> {
  return new Promise((resolve) => {
    r.child.removeAllListeners('exit');
    r.child.once('exit', (code) => resolve(code));
    r.child.kill('SIGTERM');
  });
}

function sdk(address: string, ak: string, sk: string, projectId: string) {
  const client = new HcClient(new DefaultHttpClient({ axiosRequestConfig: { validateStatus: () => true } }, [address]))
    .withEndpoints([address])
    .withCredential(new BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId));
  return (method: string, url: string, queryParams: Record<string, string> = {}, data?: Record<string, unknown>) =>
    client.sendRequest<{ httpStatusCode?: number } & Record<string, any>>({ method, url, contentType: 'application/json', queryParams, pathParams: {}, headers: {}, ...(data ? { data } : {}) });
}

describe('vpcdns serve with authentication (the real process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-auth-serve-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the demo token and access key once; the SDK signs against it; vpcdns admin adds a key it accepts at once', async () => {
    const db = join(dir, 'vpcdns.sqlite');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'dns: { enabled: false }\n');
    const first = await start(['--db', db, '--config', config]);
    let secretKey = '';
    try {
      const out = first.output();
      const token = /token {6}: (\S+)/.exec(out)?.[1];
      const accessKey = /access key : (\S+)/.exec(out)?.[1];
      secretKey = /secret key : (\S+)/.exec(out)?.[1] ?? '';
      const projectId = /project id : (\S+)/.exec(out)?.[1];
      const subnet = /subnet {5}: (\S+)/.exec(out)?.[1];
      assert.ok(token && accessKey && secretKey && projectId && subnet, out);
      assert.equal(out.split(secretKey).length - 1, 1, 'the SK is printed exactly once');
      assert.match(out, /created the key that seals access-key secrets/);
      assert.equal(statSync(join(dir, 'secret.key')).mode & 0o777, 0o600);

      const call = sdk(first.address, accessKey, secretKey, projectId);
      const created = await call('POST', '/v2.1/endpoints', {}, { name: 'sdk-ep', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: subnet }, { subnet_id: subnet }] });
      assert.equal(created.httpStatusCode, 202, JSON.stringify(created));
      const listed = await call('GET', '/v2.1/endpoints', { direction: 'inbound', name: 'sdk-ep', limit: '10' });
      assert.equal(listed.httpStatusCode, 200);
      assert.equal(listed.endpoints.length, 1);
      const none = await call('GET', '/v2.1/endpoints', { direction: 'inbound', name: 'a b*测' });
      assert.equal(none.httpStatusCode, 200);
      assert.equal((await sdk(first.address, accessKey, 'x'.repeat(40), projectId)('GET', '/v2.1/vpcs')).httpStatusCode, 401);

      const { stdout } = await run(process.execPath, [BIN, 'admin', 'access-key', 'create', '--project', 'default', '--db', db]);
      const [ak2, sk2] = [/access key: (\S+)/.exec(stdout)![1]!, /secret key: (\S+)/.exec(stdout)![1]!];
      assert.equal((await sdk(first.address, ak2, sk2, projectId)('GET', '/v2.1/vpcs')).httpStatusCode, 200, 'a key made by the admin command works on the running server');
      assert.ok(!first.output().includes(sk2), 'the server never logs a secret');
    } finally {
      assert.equal(await stop(first), 0);
    }
    const second = await start(['--db', db, '--config', config]);
    try {
      assert.ok(!second.output().includes('access key :'), 'the access key is printed only once');
      assert.ok(!second.output().includes(secretKey));
    } finally {
      assert.equal(await stop(second), 0);
    }
  });
});
