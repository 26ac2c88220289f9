// Request logs: one JSON line per request with request id, project, route, status and latency; --log-level and --log-pretty.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { makeLogger } from '../../src/logging.ts';
import { createSystem, type System } from '../../src/system.ts';
import { TEST_SCRYPT, TEST_SECRETS } from '../helpers/auth-clients.ts';
import { IDS, openTestStore, testConfig } from '../helpers/harness.ts';
import { BIN, startServer } from '../helpers/serve-process.ts';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
  requestLines(): any[] {
    return this.text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'request');
  }
}

async function system(level: string, out: Capture): Promise<System> {
  return createSystem({ store: await openTestStore('sqlite'), config: testConfig(), secrets: TEST_SECRETS, scrypt: TEST_SCRYPT, log: makeLogger({ level, destination: out }), httpLog: true, mode: 'manual' });
}

describe('request log lines', () => {
  const out = new Capture();
  let sys: System;
  before(async () => {
    sys = await system('info', out);
  });
  after(() => sys.close());

  it('carry the request id, project, method, route template, status and latency', async () => {
    const res = await sys.app.inject({ method: 'GET', url: '/v2.1/endpoints/0123456789abcdef0123456789abcdef?x=1', headers: { 'x-auth-token': IDS.A.token } });
    assert.equal(res.statusCode, 404);
    const line = out.requestLines().at(-1);
    assert.equal(line.level, 30);
    assert.equal(line.reqId, res.headers['x-request-id']);
    assert.match(line.reqId, /^[0-9a-f]{32}$/);
    assert.equal(line.project, IDS.A.project);
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/v2.1/endpoints/:endpoint_id', 'the template, not the URL with its ids and query');
    assert.equal(line.status, 404);
    assert.equal(typeof line.ms, 'number');
    assert.equal(typeof line.time, 'number');
  });

  it('have no project for a refused request, and never the token', async () => {
    const res = await sys.app.inject({ method: 'GET', url: '/v2.1/vpcs', headers: { 'x-auth-token': 'not-a-token-of-anyone-000' } });
    assert.equal(res.statusCode, 401);
    const line = out.requestLines().at(-1);
    assert.equal(line.status, 401);
    assert.equal(line.project, undefined);
    assert.ok(!out.text.includes('not-a-token-of-anyone-000'));
  });
});

describe('--log-level', () => {
  it('warn leaves out the request lines', async () => {
    const out = new Capture();
    const sys = await system('warn', out);
    try {
      await sys.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(out.requestLines().length, 0);
    } finally {
      await sys.close();
    }
  });

  it('debug keeps them', async () => {
    const out = new Capture();
    const sys = await system('debug', out);
    try {
      await sys.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(out.requestLines().length, 1);
    } finally {
      await sys.close();
    }
  });

  it('an unknown level is a usage error (exit 2) naming the levels', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--db', ':memory:', '--log-level', 'loud'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
  });
});

describe('--log-pretty', () => {
  it('writes human-readable lines instead of JSON', async () => {
    const server = await startServer({ args: ['--db', ':memory:', '--log-pretty'] });
    try {
      await fetch(`${server.url}/healthz`);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const text = server.output();
    assert.match(text, /INFO.*vpcdns is serving/);
    assert.match(text, /INFO.*request/);
    assert.doesNotMatch(text, /^\{"level":/m);
  });
});
