// Coverage-guided fuzzing of the DNS wire code (parsing, the upstream query, local answers, the reply path), from the committed corpus.
// A short run per `npm test`; VPCDNS_FUZZ_SEED repeats one, VPCDNS_FUZZ_MS sets its length (ms per target). Longer runs: test/fuzz/run.ts.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Coverage, fuzz, readCorpus } from './engine.ts';

const coverage = new Coverage((url) => url.includes('/src/dataplane/'));
// Loaded after coverage started, so that every function of the code under test counts its blocks.
const { TARGETS } = await import('./targets.ts');
const seed = Number(process.env.VPCDNS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const budgetMs = Number(process.env.VPCDNS_FUZZ_MS ?? 7000);
const root = fileURLToPath(new URL('corpus/', import.meta.url));

describe('DNS wire fuzzing (coverage-guided, V8 block coverage)', () => {
  for (const target of TARGETS) {
    it(`${target.name}: the corpus passes, then ${budgetMs / 1000} s of mutants find nothing`, (t) => {
      const corpus = readCorpus(`${root}${target.name}`);
      assert.ok(corpus.length >= 10, `the ${target.name} corpus (test/fuzz/corpus/${target.name}) has ${corpus.length} inputs`);
      const report = fuzz({ target, coverage, corpus, seed, budgetMs, maxLength: target.name === 'query' ? 1024 : 4096 });
      t.diagnostic(`${target.name}: seed ${seed}, ${report.execs} execs, ${report.blocks} blocks, ${report.features} features, ${report.added.length} new inputs`);
      const f = report.finding;
      assert.equal(
        f,
        null,
        f === null ? '' : `VPCDNS_FUZZ_SEED=${seed}: ${String(f.error)} for ${f.input.toString('hex')} (save it under test/fuzz/corpus/${target.name}/ once fixed)`,
      );
      assert.ok(report.execs > corpus.length, 'the fuzzer ran mutants');
    });
  }
});
