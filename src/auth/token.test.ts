// Tests of bearer token generation and the stored digest.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { newToken, tokenDigest } from './token.ts';

describe('newToken', () => {
  it('returns 256 random bits as 43 URL-safe characters', () => {
    const token = newToken();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token, 'base64url').length, 32);
  });

  it('never repeats', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newToken));
    assert.equal(tokens.size, 1000);
  });
});

describe('tokenDigest', () => {
  it('is the stable SHA-256 hex of the token', () => {
    assert.equal(tokenDigest('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const token = newToken();
    assert.equal(tokenDigest(token), tokenDigest(token));
    assert.notEqual(tokenDigest(token), token);
    assert.match(tokenDigest(token), /^[0-9a-f]{64}$/);
  });
});
