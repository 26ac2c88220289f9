// SecretBox (AES-256-GCM at rest) and access-key generation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAccessKeyId, isSecretAccessKey, newAccessKeyId, newSecretAccessKey } from './access-key.ts';
import { SecretBox, newSecretKey, parseSecretKey } from './secret-box.ts';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it('opens what it sealed, and never writes the plaintext', () => {
    const sealed = box.seal('SKtestExampleSecretKey0000000000000000001', 'AKEXAMPLE');
    assert.ok(!sealed.includes('SKtest'));
    assert.match(sealed, /^v1\.[0-9a-f]{16}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(box.open(sealed, 'AKEXAMPLE'), 'SKtestExampleSecretKey0000000000000000001');
  });

  it('seals the same secret differently each time (random IV)', () => {
    assert.notEqual(box.seal('s', 'a'), box.seal('s', 'a'));
  });

  it('does not open under another context, another key, or after any change', () => {
    const sealed = box.seal('secret-value', 'AK1');
    assert.equal(box.open(sealed, 'AK2'), undefined);
    assert.equal(new SecretBox(Buffer.alloc(32, 8)).open(sealed, 'AK1'), undefined);
    const parts = sealed.split('.');
    for (const i of [2, 3, 4]) {
      const p = parts[i]!;
      const changed = [...parts];
      changed[i] = (p[0] === 'A' ? 'B' : 'A') + p.slice(1);
      assert.equal(box.open(changed.join('.'), 'AK1'), undefined, `part ${i} altered`);
    }
    assert.equal(box.open('garbage', 'AK1'), undefined);
    assert.equal(box.open('v1.x.y.z.w', 'AK1'), undefined);
  });

  it('has a key id that depends on the key only', () => {
    assert.equal(new SecretBox(Buffer.alloc(32, 7)).keyId, box.keyId);
    assert.notEqual(SecretBox.ephemeral().keyId, box.keyId);
    assert.ok(box.sealedHere(box.seal('x', 'y')));
    assert.ok(!SecretBox.ephemeral().sealedHere(box.seal('x', 'y')));
  });

  it('parses a key from hex or base64 and refuses anything else without echoing it', () => {
    const key = newSecretKey();
    assert.deepEqual(parseSecretKey(key.toString('hex')), key);
    assert.deepEqual(parseSecretKey(`${key.toString('base64')}\n`), key);
    assert.deepEqual(parseSecretKey(key.toString('base64url')), key);
    for (const bad of ['', 'short', 'z'.repeat(64), key.toString('hex').slice(2)]) {
      assert.throws(() => parseSecretKey(bad), (e: Error) => !e.message.includes(bad) || bad === '');
    }
  });
});

describe('access keys', () => {
  it('generates 20-character AKs and 40-character SKs that the config rules accept', () => {
    const aks = new Set(Array.from({ length: 200 }, newAccessKeyId));
    assert.equal(aks.size, 200);
    for (const ak of aks) assert.match(ak, /^[A-Z0-9]{20}$/);
    const sk = newSecretAccessKey();
    assert.match(sk, /^[A-Za-z0-9]{40}$/);
    assert.ok(isAccessKeyId(newAccessKeyId()) && isSecretAccessKey(sk));
  });

  it('refuses AKs that could break the Authorization header and short SKs', () => {
    for (const bad of ['AK,X12345', 'AK=12345', 'AK 123456', 'short', 'é'.repeat(10)]) assert.ok(!isAccessKeyId(bad), bad);
    for (const bad of ['short', 'has a space in it!!', 'x'.repeat(129)]) assert.ok(!isSecretAccessKey(bad), bad);
  });
});
