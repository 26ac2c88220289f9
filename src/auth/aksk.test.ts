// Tests of AK/SK signing: the spec §9.3 vectors, the canonical forms, and every verification failure.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  EMPTY_BODY_SHA256,
  canonicalQuery,
  canonicalRequest,
  failureMessage,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  sign,
  signRequest,
  signRequestHeaders,
  stringToSign,
  verifyRequest,
  verifyRequestAsync,
} from './aksk.ts';
import type { RequestHeaders, VerifyRequestInput } from './aksk.ts';
import { SPEC } from '../../test/auth/aksk-spec-inputs.ts';

const { ak: AK, sk: SK, date: DATE, now: NOW, host: HOST, project: PROJECT } = SPEC;
const SIGNED = 'content-type;host;x-project-id;x-sdk-date';
const MINUTE = 60_000;

const lookupSecret = (ak: string): string | undefined => (ak === AK ? SK : undefined);

const V2_BODY =
  '{"name":"ep-1","direction":"inbound","region":"ap-southeast-1","ipaddresses":[{"subnet_id":"a5b7c3d1-0000-4000-8000-000000000001"},{"subnet_id":"a5b7c3d1-0000-4000-8000-000000000001","ip":"192.168.0.10"}]}';

interface Vector {
  name: string;
  method: string;
  rawUrl: string;
  body?: string;
  signature: string;
}

const VECTORS: Vector[] = [
  { name: 'V1', method: 'GET', rawUrl: '/v2.1/endpoints?direction=inbound&limit=10', signature: '823cff5afcbaf4b4a40e0184e3bbf2ff3ed849dd99aa1fa016a46034784927ef' },
  { name: 'V2', method: 'POST', rawUrl: '/v2.1/endpoints', body: V2_BODY, signature: '72557a0772e2690c18c299851a54431dba5295803bd2d5f1d84df1ff05a5c91c' },
  // Query as the Node SDK puts it on the wire (querystring.stringify: %20 for space, '*' raw, insertion order).
  { name: 'V3', method: 'GET', rawUrl: '/v2.1/resolverrules?name=rule%20a*%E6%B5%8B&offset=0&limit=20', signature: '5410c967e15a15d75c6d2af2786931ff5def14b031070a1aa7eac68bd788d756' },
  {
    name: 'V4',
    method: 'DELETE',
    rawUrl: '/v2.1/endpoints/ff80808169bf16c70169bf1d02270000/ipaddresses/ff80808169be2efb0169bef85d740015',
    signature: 'f606aeb425ecaa20c4f28725c32b6c13923d338d4c4c2a05c687ecf8e4a9b233',
  },
];

const baseHeaders = (): Record<string, string> => ({ 'content-type': 'application/json', host: HOST, 'x-project-id': PROJECT, 'x-sdk-date': DATE });

function wire(v: Vector): VerifyRequestInput {
  return {
    method: v.method,
    rawUrl: v.rawUrl,
    headers: { ...baseHeaders(), authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=${SIGNED}, Signature=${v.signature}`, 'user-agent': 'huaweicloud-usdk-nodejs/3.0' },
    body: v.body,
    now: NOW,
    lookupSecret,
  };
}

/** A request signed by our own signer, for the failure tests. */
function signed(overrides: { signedHeaders?: string[]; headers?: Record<string, string>; body?: string; rawUrl?: string; method?: string } = {}): VerifyRequestInput {
  const rawUrl = overrides.rawUrl ?? '/v2.1/endpoints?limit=10';
  const headers = signRequestHeaders({
    method: overrides.method ?? 'POST',
    url: `https://${HOST}${rawUrl}`,
    headers: overrides.headers ?? { 'content-type': 'application/json', 'x-project-id': PROJECT },
    body: overrides.body ?? '{"a":1}',
    ak: AK,
    sk: SK,
    date: NOW,
    signedHeaders: overrides.signedHeaders,
  });
  return { method: overrides.method ?? 'POST', rawUrl, headers, body: overrides.body ?? '{"a":1}', now: NOW, lookupSecret };
}

const withHeaders = (input: VerifyRequestInput, change: (h: Record<string, unknown>) => void): VerifyRequestInput => {
  const headers: Record<string, unknown> = { ...input.headers };
  change(headers);
  return { ...input, headers: headers as RequestHeaders };
};

const reasonOf = (input: VerifyRequestInput): string => {
  const result = verifyRequest(input);
  return result.ok ? 'ok' : result.reason;
};

describe('spec §9.3 test vectors', () => {
  it('V1 builds the canonical request text of the spec', () => {
    const text = canonicalRequest({ method: 'GET', rawUrl: VECTORS[0]!.rawUrl, headers: baseHeaders(), signedHeaders: SIGNED.split(';'), payloadHash: EMPTY_BODY_SHA256 });
    const expected = [
      'GET',
      '/v2.1/endpoints/',
      'direction=inbound&limit=10',
      'content-type:application/json',
      `host:${HOST}`,
      `x-project-id:${PROJECT}`,
      `x-sdk-date:${DATE}`,
      '',
      SIGNED,
      EMPTY_BODY_SHA256,
    ].join('\n');
    assert.equal(text, expected);
    assert.equal(sha256Hex(text), 'ccdf89d6a898900a35437af2dfbc92aa7212126e0dc639bdf6a8e7e95a2e6dd5');
    assert.equal(sign(SK, stringToSign(DATE, sha256Hex(text))), VECTORS[0]!.signature);
  });

  it('V2 hashes the body and the canonical request as the spec says', () => {
    const payloadHash = sha256Hex(V2_BODY);
    assert.equal(payloadHash, '908ea48c65d054faf494acc068a69bf05679a814c4642430ab81e4d13b55efe1');
    const text = canonicalRequest({ method: 'POST', rawUrl: '/v2.1/endpoints', headers: baseHeaders(), signedHeaders: SIGNED.split(';'), payloadHash });
    assert.equal(sha256Hex(text), 'e0c6522a377882af2e885bbba83cac0668615194da279e57dfd8d909f737cb9f');
  });

  it('V3 sorts and encodes the query as the spec says, from either wire spelling', () => {
    const expected = 'limit=20&name=rule%20a%2A%E6%B5%8B&offset=0';
    assert.equal(canonicalQuery('name=rule%20a*%E6%B5%8B&offset=0&limit=20'), expected);
    assert.equal(canonicalQuery(new URLSearchParams({ name: 'rule a*测', offset: '0', limit: '20' }).toString()), expected);
  });

  for (const v of VECTORS) {
    it(`${v.name}: signRequest produces the spec signature`, () => {
      const authorization = signRequest({
        method: v.method,
        url: `https://${HOST}${v.rawUrl}`,
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': PROJECT },
        body: v.body,
        ak: AK,
        sk: SK,
        date: new Date(NOW),
      });
      assert.equal(authorization, `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=${SIGNED}, Signature=${v.signature}`);
    });

    it(`${v.name}: verifyRequest accepts the spec request`, () => {
      assert.deepEqual(verifyRequest(wire(v)), { ok: true, access: AK, signedHeaders: SIGNED.split(';') });
    });
  }
});

describe('parseAuthorization', () => {
  const sig = 'a'.repeat(64);
  it('parses the SDK format', () => {
    assert.deepEqual(parseAuthorization(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${sig}`), {
      access: 'AK1',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: sig,
    });
  });

  it('is lenient about spaces and field order', () => {
    assert.deepEqual(parseAuthorization(`  SDK-HMAC-SHA256   Signature = ${sig} ,SignedHeaders=Host; X-Sdk-Date,Access=AK1  `), {
      access: 'AK1',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: sig,
    });
  });

  const bad: [string, string | undefined][] = [
    ['absent', undefined],
    ['empty', ''],
    ['garbage', 'garbage'],
    ['only the algorithm', 'SDK-HMAC-SHA256'],
    ['another algorithm', `SDK-HMAC-SHA1 Access=AK1, SignedHeaders=host, Signature=${sig}`],
    ['the derived algorithm', `V11-HMAC-SHA256 Credential=AK1/20250101/r/dns, SignedHeaders=host, Signature=${sig}`],
    ['a lower-case algorithm', `sdk-hmac-sha256 Access=AK1, SignedHeaders=host, Signature=${sig}`],
    ['no Signature', 'SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host'],
    ['a 63-digit signature', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=${sig.slice(1)}`],
    ['an upper-case signature', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=${'A'.repeat(64)}`],
    ['a repeated field', `SDK-HMAC-SHA256 Access=AK1, Access=AK2, SignedHeaders=host, Signature=${sig}`],
    ['an unknown field', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=${sig}, Extra=1`],
    ['an empty Access', `SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=${sig}`],
    ['an empty signed header name', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;;x-sdk-date, Signature=${sig}`],
    ['a repeated signed header', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;host, Signature=${sig}`],
    ['authorization among the signed headers', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=authorization;host, Signature=${sig}`],
    ['an oversized header', `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=${'x-a;'.repeat(2000)}host, Signature=${sig}`],
  ];
  for (const [name, header] of bad) {
    it(`returns null for ${name}`, () => assert.equal(parseAuthorization(header), null));
  }
});

describe('parseSdkDate', () => {
  it('reads the basic ISO-8601 form', () => {
    assert.equal(parseSdkDate(DATE), NOW);
    assert.equal(formatSdkDate(NOW), DATE);
  });
  for (const bad of ['2025-01-01T12:00:00Z', '20250101T120000', '20250101t120000z', '20250230T120000Z', '20251301T120000Z', '20250101T240000Z', '20250101T126000Z', '20250101T120060Z', '00500101T120000Z', ' 20250101T120000Z']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseSdkDate(bad), null));
  }
});

describe('signRequestHeaders', () => {
  it('returns every header to send, including Host with a non-default port', () => {
    const headers = signRequestHeaders({ method: 'get', url: 'http://127.0.0.1:8080/v2.1/endpoints', headers: { 'X-Project-Id': PROJECT }, ak: AK, sk: SK, date: NOW });
    assert.equal(headers['host'], '127.0.0.1:8080');
    assert.equal(headers['x-sdk-date'], DATE);
    assert.match(headers['authorization'] as string, /SignedHeaders=host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/);
    const result = verifyRequest({ method: 'GET', rawUrl: '/v2.1/endpoints', headers, body: undefined, now: NOW, lookupSecret });
    assert.equal(result.ok, true);
  });

  it('refuses an X-Sdk-Date header that contradicts the signing date', () => {
    assert.throws(() => signRequest({ method: 'GET', url: `https://${HOST}/`, headers: { 'X-Sdk-Date': '20240101T000000Z' }, ak: AK, sk: SK, date: NOW }), RangeError);
  });
});

describe('verifyRequest', () => {
  it('accepts a request signed by signRequest, with unsigned extra headers', () => {
    const input = withHeaders(signed(), (h) => {
      h['user-agent'] = 'curl/8';
      h['accept'] = '*/*';
    });
    assert.equal(reasonOf(input), 'ok');
  });

  it('accepts X-Sdk-Date exactly 15 minutes away in either direction', () => {
    assert.equal(reasonOf({ ...signed(), now: NOW + 15 * MINUTE }), 'ok');
    assert.equal(reasonOf({ ...signed(), now: NOW - 15 * MINUTE }), 'ok');
  });

  it('accepts a Go-style request: content-type unsigned, "+" for space in the query', () => {
    const input = signed({ rawUrl: '/v2.1/resolverrules?name=rule%20a', signedHeaders: ['host', 'x-project-id', 'x-sdk-date'], method: 'GET', body: '' });
    assert.equal(reasonOf({ ...input, rawUrl: '/v2.1/resolverrules?name=rule+a' }), 'ok');
  });

  it('accepts a matching X-Sdk-Content-Sha256 and an empty body sent as UNSIGNED-PAYLOAD', () => {
    const body = '{"a":1}';
    assert.equal(reasonOf(signed({ headers: { 'x-project-id': PROJECT, 'x-sdk-content-sha256': sha256Hex(body) }, body })), 'ok');
    assert.equal(reasonOf(signed({ method: 'GET', body: '', headers: { 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' } })), 'ok');
  });

  it('accepts a body given as a Buffer', () => {
    assert.equal(reasonOf({ ...signed(), body: Buffer.from('{"a":1}') }), 'ok');
  });

  it('resolves the secret asynchronously with verifyRequestAsync', async () => {
    const result = await verifyRequestAsync({ ...signed(), lookupSecret: async (ak) => lookupSecret(ak) });
    assert.equal(result.ok, true);
  });

  describe('failures', () => {
    it('returns malformed for an absent, repeated or unparseable Authorization header', () => {
      assert.equal(reasonOf(withHeaders(signed(), (h) => delete h['authorization'])), 'malformed');
      assert.equal(reasonOf(withHeaders(signed(), (h) => (h['authorization'] = 'Basic dXNlcjpwdw=='))), 'malformed');
      const auth = signed().headers['authorization'] as string;
      assert.equal(reasonOf(withHeaders(signed(), (h) => (h['authorization'] = [auth, auth]))), 'malformed');
    });

    it('returns malformed for a wrong algorithm', () => {
      const input = signed();
      const auth = (input.headers['authorization'] as string).replace('SDK-HMAC-SHA256', 'SDK-HMAC-SHA512');
      const result = verifyRequest(withHeaders(input, (h) => (h['authorization'] = auth)));
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, 'malformed');
      assert.match(!result.ok ? result.detail : '', /unsupported algorithm/);
    });

    it('returns missing_host when host is not signed or not sent', () => {
      assert.equal(reasonOf(signed({ signedHeaders: ['content-type', 'x-project-id', 'x-sdk-date'] })), 'missing_host');
      assert.equal(reasonOf(withHeaders(signed(), (h) => delete h['host'])), 'missing_host');
    });

    it('returns missing_date when X-Sdk-Date is not signed or not sent', () => {
      assert.equal(reasonOf(signed({ signedHeaders: ['content-type', 'host', 'x-project-id'] })), 'missing_date');
      assert.equal(reasonOf(withHeaders(signed(), (h) => delete h['x-sdk-date'])), 'missing_date');
    });

    it('returns malformed for an X-Sdk-Date in another format', () => {
      assert.equal(reasonOf(withHeaders(signed(), (h) => (h['x-sdk-date'] = '2025-01-01T12:00:00Z'))), 'malformed');
    });

    it('returns unknown_key for an AK without a secret, with the same public message as bad_signature', () => {
      const result = verifyRequest({ ...signed(), lookupSecret: () => undefined });
      assert.deepEqual(result, { ok: false, reason: 'unknown_key', detail: 'no secret for this AK', access: AK });
      assert.equal(failureMessage('unknown_key'), failureMessage('bad_signature'));
      assert.equal(reasonOf({ ...signed(), lookupSecret: () => '' }), 'unknown_key');
    });

    it('returns expired for an X-Sdk-Date 16 minutes old or 16 minutes in the future', () => {
      assert.equal(reasonOf({ ...signed(), now: NOW + 16 * MINUTE }), 'expired');
      assert.equal(reasonOf({ ...signed(), now: NOW - 16 * MINUTE }), 'expired');
    });

    it('returns bad_signature for a wrong signature and names the AK', () => {
      const input = signed();
      const auth = (input.headers['authorization'] as string).replace(/.$/, (c) => (c === '0' ? '1' : '0'));
      const result = verifyRequest(withHeaders(input, (h) => (h['authorization'] = auth)));
      assert.deepEqual(result, { ok: false, reason: 'bad_signature', detail: 'signature mismatch', access: AK });
    });

    it('returns bad_signature when the secret is different', () => {
      assert.equal(reasonOf({ ...signed(), lookupSecret: () => `${SK}x` }), 'bad_signature');
    });

    it('returns unsigned_header when X-Project-Id is sent but not signed', () => {
      assert.equal(reasonOf(signed({ signedHeaders: ['content-type', 'host', 'x-sdk-date'] })), 'unsigned_header');
      assert.equal(reasonOf(withHeaders(signed(), (h) => (h['x-security-token'] = 'tok'))), 'unsigned_header');
    });

    it('returns unsigned_payload for a body sent with UNSIGNED-PAYLOAD, unless allowed', () => {
      const input = signed({ headers: { 'x-project-id': PROJECT, 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' } });
      assert.equal(reasonOf(input), 'unsigned_payload');
      assert.equal(reasonOf({ ...input, allowUnsignedPayload: true }), 'ok');
    });

    it('returns bad_signature when X-Sdk-Content-Sha256 does not match the body', () => {
      const input = signed({ headers: { 'x-project-id': PROJECT, 'x-sdk-content-sha256': sha256Hex('{"a":1}') } });
      assert.equal(reasonOf({ ...input, body: '{"a":2}' }), 'bad_signature');
    });

    it('returns malformed for a broken percent-escape and for a signed header that is not sent', () => {
      assert.equal(reasonOf({ ...signed(), rawUrl: '/v2.1/endpoints?limit=%1' }), 'malformed');
      assert.equal(reasonOf(withHeaders(signed(), (h) => delete h['content-type'])), 'malformed');
    });

    it('never looks the AK up when the request fails before the signature check', () => {
      let lookups = 0;
      const input = { ...signed(), now: NOW + 16 * MINUTE, lookupSecret: () => String(++lookups) };
      assert.equal(reasonOf(input), 'expired');
      assert.equal(lookups, 0);
    });
  });
});

describe('failureMessage', () => {
  it('gives every reason an APIGW.0301-style text', () => {
    for (const reason of ['malformed', 'missing_host', 'missing_date', 'unsigned_header', 'expired', 'unsigned_payload', 'unknown_key', 'bad_signature', 'locked'] as const) {
      assert.match(failureMessage(reason), /^Incorrect IAM authentication information: /);
    }
  });
});
