// Resource ids: 32 lowercase hex, never repeated, across the refills of the random pool.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isResourceId, newResourceId, randomHex32 } from './ids.ts';

describe('randomHex32 and newResourceId', () => {
  it('give 32 lowercase hex that are all different, over several refills of the 4 KiB pool', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? randomHex32() : newResourceId()));
    assert.ok(ids.every(isResourceId), ids.find((id) => !isResourceId(id)));
    assert.equal(new Set(ids).size, ids.length);
  });
});
