// A longer fuzzing run than the suite's, which saves what it finds: new corpus entries in test/fuzz/corpus/<target>/,
// a failing input in test/fuzz/findings/. Usage (docs/dataplane.md, "Fuzzing"):
//   node --import tsx test/fuzz/run.ts [--seconds 60] [--target query|reply] [--seed N] [--save]
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Coverage, fuzz, readCorpus } from './engine.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, target: { type: 'string' }, seed: { type: 'string' }, save: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('.', import.meta.url));
const coverage = new Coverage((url) => url.includes('/src/dataplane/'));
// Loaded after coverage started, so that every function of the code under test counts its blocks.
const { TARGETS } = await import('./targets.ts');
const seeds = await import('./seeds.ts');
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const targets = TARGETS.filter((t) => values.target === undefined || t.name === values.target);
let failed = false;
for (const target of targets) {
  const dir = `${root}corpus/${target.name}`;
  const stored = readCorpus(dir);
  const corpus = [...stored, ...(target.name === 'query' ? seeds.querySeeds() : seeds.replySeeds())];
  const budgetMs = (Number(values.seconds) * 1000) / targets.length;
  const report = fuzz({ target, coverage, corpus, seed, budgetMs, maxLength: target.name === 'query' ? 1024 : 4096 });
  console.log(`${target.name}: seed ${seed}, ${report.execs} execs, ${report.blocks} blocks, ${report.features} features, corpus ${stored.length} -> ${report.corpusSize}`);
  const save = (where: string, input: Buffer): string => {
    mkdirSync(where, { recursive: true });
    const file = `${where}/${createHash('sha1').update(input).digest('hex').slice(0, 16)}`;
    writeFileSync(file, input);
    return file;
  };
  // The seeds and every input that reached something new (a file per input, named by its hash: saving again changes nothing).
  if (values.save) for (const input of [...corpus, ...report.added]) save(dir, input);
  if (report.finding !== null) {
    failed = true;
    const file = save(`${root}findings/${target.name}`, report.finding.input);
    console.log(`${target.name}: FINDING (seed ${seed}) saved as ${file}: ${String(report.finding.error)}\n${report.finding.input.toString('hex')}`);
  }
}
coverage.close();
process.exitCode = failed ? 1 : 0;
