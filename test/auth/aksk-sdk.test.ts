// Cross-check of verifyRequest against requests signed by the real Node SDK (@huaweicloud/huaweicloud-sdk-core).
import { strict as assert } from 'node:assert';
import { stringify } from 'node:querystring';
import { describe, it } from 'node:test';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HttpRequestBuilder } from '@huaweicloud/huaweicloud-sdk-core/http/IHttpRequestBuilder.js';
import { verifyRequest } from '../../src/auth/aksk.ts';
import type { VerifyRequestInput, VerifyResult } from '../../src/auth/aksk.ts';
import { SPEC } from './aksk-spec-inputs.ts';

const { ak: AK, sk: SK, date: DATE, now: NOW, host: HOST, project: PROJECT } = SPEC;

const credential = new BasicCredentials().withAk(AK).withSk(SK);
const lookupSecret = (ak: string): string | undefined => (ak === AK ? SK : undefined);

type QueryParams = Record<string, string | number | string[]>;

interface SdkCase {
  name: string;
  method: string;
  path: string;
  query?: QueryParams;
  data?: unknown;
  headers?: Record<string, string>;
  /** Leave X-Sdk-Date to the SDK (current time). */
  sdkDate?: boolean;
  /** Content-Type is sent but left out of the signature, as the Go SDK does. */
  unsignedContentType?: boolean;
  /** Rewrites the wire form the way another client would send the same request. */
  onWire?: (input: VerifyRequestInput) => VerifyRequestInput;
}

/** Signs with AKSKSigner.sign and puts the request on the wire the way DefaultHttpClient (axios) does. */
function sdkRequest(c: SdkCase): VerifyRequestInput {
  const headers: Record<string, string> = { 'X-Project-Id': PROJECT, ...c.headers };
  // The Node signer signs every header it is given, so an unsigned header must be added after signing.
  if (!c.unsignedContentType) headers['content-type'] ??= 'application/json';
  if (!c.sdkDate) headers['X-Sdk-Date'] = DATE;
  // The wire query is serialised before signing because the signer sorts array values in place.
  const wireQuery = stringify(c.query ?? {});
  const request = new HttpRequestBuilder()
    .withEndpoint(`https://${HOST}${c.path}`)
    .withMethod(c.method)
    .withHeaders(headers)
    .withQueryParams(structuredClone(c.query ?? {}))
    .withData(c.data)
    .build();
  const signed = AKSKSigner.sign(request, credential) as Record<string, string>;
  const wireHeaders: Record<string, string> = { 'user-agent': 'huaweicloud-usdk-nodejs/3.0', accept: 'application/json, text/plain, */*' };
  if (c.unsignedContentType) wireHeaders['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(signed)) wireHeaders[name.toLowerCase()] = value;
  const input: VerifyRequestInput = {
    method: c.method,
    rawUrl: wireQuery === '' ? c.path : `${c.path}?${wireQuery}`,
    headers: wireHeaders,
    body: c.data === undefined ? undefined : Buffer.from(JSON.stringify(c.data)),
    now: c.sdkDate ? Date.now() : NOW,
    lookupSecret,
  };
  return c.onWire ? c.onWire(input) : input;
}

const CASES: SdkCase[] = [
  { name: 'GET with a space, "*" and non-ASCII in the query', method: 'GET', path: '/v2.1/resolverrules', query: { name: 'rule a*测', offset: 0, limit: 20 } },
  {
    name: 'GET with repeated keys whose values sort differently encoded',
    method: 'GET',
    path: '/v2.1/endpoints',
    query: { status: ['PENDING_CREATE', 'ACTIVE'], tag: ['z', 'é', 'a b', 'a+b'], direction: 'inbound' },
  },
  { name: 'GET with keys that sort differently encoded', method: 'GET', path: '/v2.1/endpoints', query: { 'a{b': '3', a_b: '2', 'a b': '1', 'x/y': 'p&q=r' } },
  { name: 'GET with an emoji and reserved characters', method: 'GET', path: '/v2/resolver/queryloggingconfig', query: { name: "😀!'()~:@$,;", marker: '' } },
  {
    name: 'POST with a JSON body',
    method: 'POST',
    path: '/v2.1/endpoints',
    data: { name: 'ep-测试 1', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: 'a5b7c3d1-0000-4000-8000-000000000001', ip: '192.168.0.10' }] },
  },
  { name: 'PUT with a JSON body', method: 'PUT', path: '/v2.1/resolverrules/ff80808169bf16c70169bf1d02270000', data: { name: 'rule-2', ipaddresses: [{ ip: '10.0.0.53' }] } },
  {
    name: 'DELETE with a long path',
    method: 'DELETE',
    path: '/v2.1/endpoints/ff80808169bf16c70169bf1d02270000/ipaddresses/ff80808169be2efb0169bef85d740015',
  },
  {
    name: 'POST with temporary credentials and a domain id',
    method: 'POST',
    path: '/v2.1/resolverrules/ff80808169bf16c70169bf1d02270000/associaterouter',
    data: { router: { router_id: 'f0d8b0a4-0000-4000-8000-000000000002', router_region: 'ap-southeast-1' } },
    headers: { 'X-Security-Token': 'temporary-token-abc', 'X-Domain-Id': 'fedcba9876543210fedcba9876543210' },
  },
  { name: 'GET with a non-JSON content type and UNSIGNED-PAYLOAD', method: 'GET', path: '/v2.1/vpcs', headers: { 'content-type': 'text/plain', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' } },
  { name: 'GET with the date chosen by the SDK', method: 'GET', path: '/v2.1/endpoints', query: { limit: 10 }, sdkDate: true },
  {
    // Go signs every header but Content-Type and sends url.Values.Encode() (space as '+', keys sorted).
    name: 'Go-style GET: content-type sent but unsigned, "+" for space',
    method: 'GET',
    path: '/v2.1/resolverrules',
    query: { name: 'rule a', domain_name: 'example.com.' },
    unsignedContentType: true,
    onWire: (input) => ({ ...input, rawUrl: '/v2.1/resolverrules?domain_name=example.com.&name=rule+a' }),
  },
];

/** Replaces one letter or digit at `at` with another, so the text stays well-formed. */
function flip(s: string, at: number): string {
  const c = s.charAt(at);
  assert.match(c, /[A-Za-z0-9]/, `no letter or digit at ${at} of ${s}`);
  return s.slice(0, at) + (c === 'a' ? 'b' : 'a') + s.slice(at + 1);
}

const lastAlnum = (s: string): number => s.search(/[A-Za-z0-9][^A-Za-z0-9]*$/);
const reason = (r: VerifyResult): string => (r.ok ? 'ok' : r.reason);

describe('verifyRequest against the Huawei Cloud Node SDK signer', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const input = (): VerifyRequestInput => sdkRequest(c);

      it('accepts the request', () => {
        assert.deepEqual(verifyRequest(input()), { ok: true, access: AK, signedHeaders: parseSigned(input()) });
      });

      it('rejects it after one byte of the path changes', () => {
        const i = input();
        assert.equal(reason(verifyRequest({ ...i, rawUrl: flip(i.rawUrl, lastAlnum(i.rawUrl.split('?')[0] as string)) })), 'bad_signature');
      });

      if (c.query !== undefined) {
        it('rejects it after one byte of the query changes', () => {
          const i = input();
          assert.equal(reason(verifyRequest({ ...i, rawUrl: flip(i.rawUrl, i.rawUrl.indexOf('?') + 1) })), 'bad_signature');
        });
      }

      if (c.data !== undefined) {
        it('rejects it after one byte of the body changes', () => {
          const i = input();
          const body = Buffer.from(i.body as Buffer);
          const at = body.indexOf('"name"') >= 0 ? body.indexOf('"name"') + 1 : body.indexOf('"') + 1;
          body[at] = (body[at] as number) ^ 0x01;
          assert.equal(reason(verifyRequest({ ...i, body })), 'bad_signature');
        });
      }

      it('rejects it after one byte of a signed header changes', () => {
        const i = input();
        const project = i.headers['x-project-id'] as string;
        assert.equal(reason(verifyRequest({ ...i, headers: { ...i.headers, 'x-project-id': flip(project, project.length - 1) } })), 'bad_signature');
      });

      it('rejects it after one byte of the date changes', () => {
        const i = input();
        const date = i.headers['x-sdk-date'] as string;
        // The minutes' last digit: the request stays within the 15-minute window.
        const tampered = date.slice(0, 12) + String((Number(date[12]) + 1) % 10) + date.slice(13);
        assert.equal(reason(verifyRequest({ ...i, headers: { ...i.headers, 'x-sdk-date': tampered } })), 'bad_signature');
      });
    });
  }

  it('signs the spec V1 request with the signature of spec §9.3', () => {
    const i = sdkRequest({ name: 'V1', method: 'GET', path: '/v2.1/endpoints', query: { direction: 'inbound', limit: 10 } });
    assert.match(i.headers['authorization'] as string, /Signature=823cff5afcbaf4b4a40e0184e3bbf2ff3ed849dd99aa1fa016a46034784927ef$/);
  });
});

function parseSigned(input: VerifyRequestInput): string[] {
  const m = /SignedHeaders=([^,]+),/.exec(input.headers['authorization'] as string);
  return (m?.[1] ?? '').split(';');
}
