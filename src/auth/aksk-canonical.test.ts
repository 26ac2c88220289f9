// Tests of the SDK-HMAC-SHA256 canonical forms: enc(), URI, query and headers, as tables.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MalformedRequestError, canonicalHeaders, canonicalQuery, canonicalUri, encodeRfc3986 } from './aksk-canonical.ts';

const DATE = '20250101T120000Z';

describe('encodeRfc3986', () => {
  const cases: [string, string][] = [
    ['AZaz09-_.~', 'AZaz09-_.~'],
    [' ', '%20'],
    ['*', '%2A'],
    ['+', '%2B'],
    ['/', '%2F'],
    ['%', '%25'],
    ["!'()", '%21%27%28%29'],
    ['测', '%E6%B5%8B'],
    ['é', '%C3%A9'],
    ['😀', '%F0%9F%98%80'],
  ];
  for (const [input, expected] of cases) {
    it(`encodes ${JSON.stringify(input)} as ${expected}`, () => assert.equal(encodeRfc3986(input), expected));
  }
});

describe('canonicalUri', () => {
  const cases: [string, string][] = [
    ['/v2.1/endpoints', '/v2.1/endpoints/'],
    ['/v2.1/endpoints/', '/v2.1/endpoints/'],
    ['/', '/'],
    ['', '/'],
    ['/a%20b', '/a%20b/'],
    ['/a b', '/a%20b/'],
    ['/a+b', '/a%2Bb/'],
    ['/a%2fb', '/a%2Fb/'],
    ['/%7euser', '/~user/'],
    ['/x/%E6%B5%8B', '/x/%E6%B5%8B/'],
  ];
  for (const [input, expected] of cases) {
    it(`turns ${JSON.stringify(input)} into ${expected}`, () => assert.equal(canonicalUri(input), expected));
  }

  it('rejects a broken percent-escape', () => {
    assert.throws(() => canonicalUri('/a%zz'), MalformedRequestError);
    assert.throws(() => canonicalUri('/a%4'), MalformedRequestError);
  });
});

describe('canonicalQuery', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['b=2&a=1', 'a=1&b=2'],
    ['a=2&a=1&a=10', 'a=1&a=10&a=2'],
    ['name=rule+a', 'name=rule%20a'],
    ['x=a%2Bb', 'x=a%2Bb'],
    ['x=a=b', 'x=a%3Db'],
    ['flag', 'flag='],
    ['a=1&&b=&', 'a=1&b='],
    // Sorted on decoded bytes like the SDKs: 'z' (0x7a) before 'é' (0xc3), although "%C3" < "z" as text.
    ['k=%C3%A9&k=z', 'k=z&k=%C3%A9'],
    ['a%7Bb=3&a_b=2&a%20b=1', 'a%20b=1&a_b=2&a%7Bb=3'],
    ['v=%ff', 'v=%FF'],
  ];
  for (const [input, expected] of cases) {
    it(`turns ${JSON.stringify(input)} into ${JSON.stringify(expected)}`, () => assert.equal(canonicalQuery(input), expected));
  }

  it('rejects a broken percent-escape', () => {
    assert.throws(() => canonicalQuery('a=%G1'), MalformedRequestError);
  });
});

describe('canonicalHeaders', () => {
  it('lower-cases names, trims values and writes a repeated header once per value, sorted', () => {
    const headers = { 'X-Multi': ['b', ' a '], Host: ' h.example:8443 ', 'x-sdk-date': DATE };
    assert.equal(canonicalHeaders(headers, ['host', 'x-multi', 'x-sdk-date']), `host:h.example:8443\nx-multi:a\nx-multi:b\nx-sdk-date:${DATE}\n`);
  });

  it('throws when a signed header is absent', () => {
    assert.throws(() => canonicalHeaders({ host: 'h' }, ['host', 'x-project-id']), MalformedRequestError);
  });
});
