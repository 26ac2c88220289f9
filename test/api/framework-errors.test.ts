// Errors of the HTTP layer (parser, router, static files, timeouts) over a real socket: every one in the documented
// shape with X-Request-Id, none with an FST_ERR_* code, no 500 (issue 17, items 3, 4, 7).
import assert from 'node:assert/strict';
import type net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/domain/clock.ts';
import { makeLogger } from '../../src/logging.ts';
import { openStore } from '../../src/store/open.ts';
import { createSystem, type System } from '../../src/system.ts';
import { TEST_AUTH, TEST_SCRYPT, TEST_SECRETS } from '../helpers/auth-clients.ts';
import { IDS, testConfig } from '../helpers/harness.ts';
import { rawRequest, type RawResponse } from '../helpers/raw-http.ts';

class Capture extends Writable {
  lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) this.lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  }
}

const TOKEN = `X-Auth-Token: ${IDS.A.token}\r\n`;
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${TOKEN}${extra}Connection: close\r\n\r\n`;
const LONG = 'a'.repeat(101);
const HEX = '0'.repeat(32);

function assertShape(res: RawResponse, status: number, code: string) {
  assert.equal(res.status, status, res.body);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  const id = res.headers['x-request-id'];
  assert.match(id ?? '', /^[0-9a-f]{32}$/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error_code', 'error_msg', 'message', 'request_id']);
  assert.equal(body.code, code);
  assert.equal(body.error_code, code);
  assert.equal(body.message, body.error_msg);
  assert.equal(body.request_id, id);
  assert.doesNotMatch(res.body, /FST_ERR|statusCode|"error":/);
}

/** [title, request bytes, status, code] */
const CASES: [string, string, number, string][] = [
  ['a traversal out of /docs/static', get('/docs/static/../../v2.1/endpoints'), 404, 'DNS.0404'],
  ['a traversal to a file of the package', get('/docs/static/../../../package.json'), 404, 'DNS.0404'],
  ['an encoded traversal', get('/docs/static/%2e%2e/%2e%2e/package.json'), 404, 'DNS.0404'],
  ['an encoded-slash traversal', get('/docs/static/..%2f..%2fpackage.json'), 404, 'DNS.0404'],
  ['a missing docs asset', get('/docs/static/no-such-file.js'), 404, 'DNS.0404'],
  ['a bad percent-encoding in a path parameter', get('/v2.1/endpoints/%ZZ'), 400, 'DNS.0002'],
  ['a truncated percent-encoding', get('/v2.1/resolverrules/%E'), 400, 'DNS.0002'],
  ['a bad percent-encoding under /v1', get(`/v1/${IDS.A.project}/vpcs/%ZZ`), 400, 'DNS.0002'],
  ['an endpoint id of 101 characters', get(`/v2.1/endpoints/${LONG}`), 414, 'DNS.0414'],
  ['an address id of 101 characters', get(`/v2.1/endpoints/${HEX}/ipaddresses/${LONG}`).replace('GET', 'DELETE'), 414, 'DNS.0414'],
  ['a rule id of 101 characters', get(`/v2.1/resolverrules/${LONG}`), 414, 'DNS.0414'],
  ['a query-log id of 101 characters', get(`/v2/resolver/queryloggingconfig/${LONG}`), 414, 'DNS.0414'],
  ['a project id of 101 characters', get(`/v1/${LONG}/vpcs`), 414, 'DNS.0414'],
  ['one header of 20 KiB', get('/v2.1/endpoints', `X-Big: ${'a'.repeat(20 * 1024)}\r\n`), 431, 'DNS.0431'],
  ['1,000 small headers', get('/v2.1/endpoints', Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('')), 431, 'DNS.0431'],
  ['a token of 20 KiB', get('/v2.1/endpoints', `X-Auth-Token: ${'t'.repeat(20 * 1024)}\r\n`), 431, 'DNS.0431'],
  ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400, 'DNS.0002'],
  ['a binary request line', '\x00\x01\x02\xff\r\n\r\n', 400, 'DNS.0002'],
  ['a non-numeric Content-Length', `POST /v2.1/endpoints HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n`, 400, 'DNS.0002'],
  ['two different Content-Lengths', `POST /v2.1/endpoints HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400, 'DNS.0002'],
  ['Content-Length with Transfer-Encoding', `POST /v2.1/endpoints HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'DNS.0002'],
  ['a bad chunk size', `POST /v2.1/endpoints HTTP/1.1\r\nHost: t\r\n${TOKEN}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400, 'DNS.0002'],
  ['a header without a colon', `GET /v2.1/endpoints HTTP/1.1\r\nHost: t\r\nbroken header\r\n\r\n`, 400, 'DNS.0002'],
  ['a control character in a header value', `GET /v2.1/endpoints HTTP/1.1\r\nHost: t\r\nX-A: a\x01b\r\n\r\n`, 400, 'DNS.0002'],
  ['a bare LF line ending in the headers', `GET /v2.1/endpoints HTTP/1.1\nHost: t\nX-A: b\r\n\r\n`, 400, 'DNS.0002'],
  ['a space in the path', `GET /v2.1/end points HTTP/1.1\r\nHost: t\r\n\r\n`, 400, 'DNS.0002'],
  ['an unknown HTTP version', `GET /v2.1/endpoints HTTP/9.9\r\nHost: t\r\n\r\n`, 400, 'DNS.0002'],
  ['an unknown method', `BREW /v2.1/endpoints HTTP/1.1\r\nHost: t\r\n\r\n`, 400, 'DNS.0002'],
];

describe('HTTP-layer errors on a socket', () => {
  const out = new Capture();
  let sys: System;
  let port = 0;
  const timeouts = { requestMs: 600, idleMs: 1500, keepAliveMs: 300 };

  before(async () => {
    sys = await createSystem({
      store: await openStore(':memory:'),
      config: { ...testConfig(), auth: TEST_AUTH, apiTimeouts: timeouts },
      log: makeLogger({ level: 'info', destination: out }),
      httpLog: true,
      clock: new ManualClock(),
      mode: 'manual',
      secrets: TEST_SECRETS,
      scrypt: TEST_SCRYPT,
    });
    port = Number(new URL(await sys.app.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  after(() => sys.close());

  for (const [title, bytes, status, code] of CASES) {
    it(`answers ${status} ${code} for ${title}`, async () => {
      assertShape(await rawRequest(port, bytes), status, code);
    });
  }

  it('answers 408 DNS.0408 for a body sent at 1 byte per 200 ms, within request_ms', async () => {
    const res = await rawRequest(
      port,
      (s: net.Socket) => {
        s.write(`POST /v2.1/endpoints HTTP/1.1\r\nHost: t\r\n${TOKEN}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
        const timer = setInterval(() => (s.writable ? s.write('{') : clearInterval(timer)), 200);
        s.on('close', () => clearInterval(timer));
      },
      { waitClose: true },
    );
    assertShape(res, 408, 'DNS.0408');
    assert.ok(res.closed && res.ms >= timeouts.requestMs && res.ms < timeouts.requestMs * 3, `closed after ${res.ms} ms`);
  });

  it('answers 408 DNS.0408 for headers sent at 1 byte per 100 ms', async () => {
    const res = await rawRequest(
      port,
      (s: net.Socket) => {
        const text = get('/v2.1/endpoints', `X-Pad: ${'p'.repeat(100)}\r\n`);
        let i = 0;
        const timer = setInterval(() => (s.writable && i < text.length ? s.write(text[i++]!) : clearInterval(timer)), 100);
        s.on('close', () => clearInterval(timer));
      },
      { waitClose: true },
    );
    assertShape(res, 408, 'DNS.0408');
    assert.ok(res.ms < timeouts.requestMs * 3, `closed after ${res.ms} ms`);
  });

  it('closes an idle keep-alive connection after keep_alive_ms', async () => {
    const res = await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n`, { waitClose: true });
    assert.equal(res.status, 200);
    assert.ok(res.closed && res.ms >= timeouts.keepAliveMs - 50 && res.ms < timeouts.idleMs, `closed after ${res.ms} ms`);
  });

  it('closes a connection that sends nothing, without an answer', async () => {
    const res = await rawRequest(port, () => undefined, { waitClose: true });
    assert.ok(res.closed && res.ms < timeouts.idleMs * 2, `closed after ${res.ms} ms`);
    assert.ok(res.status === 0 || res.status === 408, `status ${res.status}`);
  });

  it('logs a client that goes away mid-body at info, not as an unexpected error', async () => {
    const before = out.lines.length;
    await rawRequest(port, (s: net.Socket) => {
      s.write(`POST /v2.1/endpoints HTTP/1.1\r\nHost: t\r\n${TOKEN}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`, () => setTimeout(() => s.destroy(), 50));
    });
    const seen = () => out.lines.slice(before).some((l) => l.msg === 'client aborted');
    for (let i = 0; i < 100 && !seen(); i++) await new Promise((r) => setImmediate(r));
    const lines = out.lines.slice(before);
    assert.ok(!lines.some((l) => l.msg === 'unexpected error' || (l.level as number) >= 50), JSON.stringify(lines));
  });

  it('never answers 500 or an FST_ERR_* code for any case above, and logs no error', () => {
    assert.ok(!out.lines.some((l) => (l.level as number) >= 50), JSON.stringify(out.lines.filter((l) => (l.level as number) >= 50)));
  });
});
