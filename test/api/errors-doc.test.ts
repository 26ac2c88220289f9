// Keeps docs/errors.md and the error catalog in step: every code documented, with its status and message.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOG } from '../../src/domain/errors.ts';

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| (\d{3}) \| `([A-Z]+\.\d{4})` \| ([^|]+) \|/gm)].map((m) => [m[2]!, { status: Number(m[1]), message: m[3]!.trim() }]),
  );
  for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
    it(`documents ${code} with status ${entry.status}`, () => {
      assert.deepEqual(rows.get(code), { status: entry.status, message: entry.message });
    });
  }
  it('documents no code that the catalog lacks', () => {
    assert.deepEqual([...rows.keys()].filter((c) => !(c in ERROR_CATALOG)), []);
  });
});
