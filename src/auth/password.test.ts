// Tests of scrypt password hashing: format, verification, wrong passwords and tampered stored values.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, parsePasswordHash, verifyPassword } from './password.ts';

// Cheap parameters keep the suite fast; one test uses the defaults.
const FAST = { N: 1024, r: 8, p: 1 };

describe('hashPassword', () => {
  it('writes scrypt$N$r$p$salt$hash with the default parameters', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(needsRehash(stored), false);
  });

  it('uses a fresh salt each time', async () => {
    assert.notEqual(await hashPassword('pw', FAST), await hashPassword('pw', FAST));
  });

  it('refuses an empty or oversized password and bad parameters', async () => {
    await assert.rejects(hashPassword(''), RangeError);
    await assert.rejects(hashPassword('x'.repeat(1025), FAST), RangeError);
    await assert.rejects(hashPassword('pw', { N: 1000, r: 8, p: 1 }), RangeError);
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and rejects a wrong one', async () => {
    const stored = await hashPassword('s3cret-Pässword', FAST);
    assert.equal(await verifyPassword('s3cret-Pässword', stored), true);
    assert.equal(await verifyPassword('s3cret-Password', stored), false);
    assert.equal(await verifyPassword('', stored), false);
  });

  it('treats Unicode-equivalent spellings as the same password', async () => {
    const stored = await hashPassword('Ca\u0301fe', FAST);
    assert.equal(await verifyPassword('Cáfe', stored), true);
  });

  it('returns false for an unknown user (no stored hash) after doing the same work', async () => {
    assert.equal(await verifyPassword('anything', undefined), false);
  });

  it('returns false for stored values it did not write or that were tampered with', async () => {
    const stored = await hashPassword('pw', FAST);
    const parts = stored.split('$');
    const bad = [
      '',
      'plain-text-password',
      stored.replace('scrypt$', 'bcrypt$'),
      [...parts.slice(0, 1), '1048577', ...parts.slice(2)].join('$'),
      [...parts.slice(0, 1), '1000', ...parts.slice(2)].join('$'),
      [...parts.slice(0, 5), 'AAAA'].join('$'),
      [...parts.slice(0, 5), '!!!!'].join('$'),
      `${stored}$extra`,
    ];
    for (const value of bad) assert.equal(await verifyPassword('pw', value), false, value);
  });
});

describe('needsRehash', () => {
  it('asks for a rehash of weaker or unreadable hashes', async () => {
    assert.equal(needsRehash(await hashPassword('pw', FAST)), true);
    assert.equal(needsRehash('garbage'), true);
    assert.equal(needsRehash(await hashPassword('pw', FAST), FAST), false);
    assert.deepEqual(parsePasswordHash('garbage'), null);
    assert.equal(DEFAULT_SCRYPT.N, 32768);
  });
});
