// A coverage-guided fuzzing loop on node's own V8 block coverage (docs/adr/0003-dns-fuzzing.md): mutants of the
// corpus are run in batches, and a batch that reached a block (or a block count) never reached before is run again
// one input at a time, so that each input that reached something new joins the corpus.
import { readFileSync, readdirSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { Random, mutate } from './mutate.ts';
import type { FuzzTarget } from './targets.ts';

interface CoverageRange {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface ScriptCoverage {
  url: string;
  functions: { ranges: CoverageRange[] }[];
}

/** Block coverage of this process (the inspector's precise coverage, counts reset on every take). */
export class Coverage {
  private readonly session = new Session();
  private readonly files = new Map<string, number>();

  /** Starts counting; call before the code under test is loaded, so that all its functions count blocks. */
  constructor(private readonly covers: (url: string) => boolean) {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  private post(method: string, params?: object): unknown {
    let result: unknown;
    let error: Error | null = null;
    // An in-process session answers synchronously.
    this.session.post(method, params as never, (err, res) => {
      error = err;
      result = res;
    });
    if (error !== null) throw error;
    return result;
  }

  /**
   * The features reached since the last take: for each block of the covered files that ran, its identity,
   * with presence only (counts false) or with its count in buckets 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+.
   */
  take(counts: boolean, into: Set<number>): Set<number> {
    const { result } = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    for (const script of result) {
      if (!this.covers(script.url)) continue;
      let file = this.files.get(script.url);
      if (file === undefined) this.files.set(script.url, (file = this.files.size));
      for (const f of script.functions) {
        for (const range of f.ranges) {
          if (range.count === 0) continue;
          const block = (file * 1_000_000 + range.startOffset) * 1_000_000 + range.endOffset;
          into.add(counts ? block * 16 + bucket(range.count) : block * 16);
        }
      }
    }
    return into;
  }

  close(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }
}

function bucket(count: number): number {
  if (count < 4) return count;
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  return count < 128 ? 7 : 8;
}

export interface FuzzOptions {
  readonly target: FuzzTarget;
  readonly coverage: Coverage;
  readonly corpus: readonly Buffer[];
  readonly seed: number;
  readonly budgetMs: number;
  readonly maxLength: number;
  /** Mutants run between two coverage takes. */
  readonly batch?: number;
}

export interface Finding {
  readonly input: Buffer;
  readonly error: unknown;
}

export interface FuzzReport {
  readonly execs: number;
  /** Distinct blocks (with presence only) and block-count features reached. */
  readonly blocks: number;
  readonly features: number;
  /** Inputs that reached something new and joined the corpus. */
  readonly added: Buffer[];
  readonly corpusSize: number;
  readonly finding: Finding | null;
}

/** Runs input; an exception is a finding. */
function attempt(target: FuzzTarget, input: Buffer): Finding | null {
  try {
    target.run(input);
    return null;
  } catch (error) {
    return { input, error };
  }
}

/** Replays the corpus (each input must pass), then fuzzes until the budget is spent or a finding. */
export function fuzz(o: FuzzOptions): FuzzReport {
  const r = new Random(o.seed);
  const batchSize = o.batch ?? 64;
  const corpus = [...o.corpus];
  const added: Buffer[] = [];
  const blocks = new Set<number>();
  const features = new Set<number>();
  let execs = 0;
  o.coverage.take(false, new Set()); // what ran before is not the target's
  for (const input of corpus) {
    execs++;
    const f = attempt(o.target, input);
    if (f !== null) return { execs, blocks: blocks.size, features: features.size, added, corpusSize: corpus.length, finding: f };
    o.coverage.take(true, features);
  }
  for (const f of features) blocks.add(Math.floor(f / 16) * 16);
  const deadline = performance.now() + o.budgetMs;
  const fresh = new Set<number>();
  for (let round = 0; performance.now() < deadline; round++) {
    if (corpus.length === 0) corpus.push(Buffer.alloc(0));
    // Newer entries (further from the seeds) are picked more often.
    const parent = corpus[corpus.length - 1 - Math.min(r.below(corpus.length), r.below(corpus.length))]!;
    const batch = Array.from({ length: batchSize }, () => mutate(parent, r, r.pick(corpus), o.maxLength));
    for (const input of batch) {
      execs++;
      const f = attempt(o.target, input);
      if (f !== null) return { execs, blocks: blocks.size, features: features.size, added, corpusSize: corpus.length, finding: f };
    }
    fresh.clear();
    let novel = false;
    for (const b of o.coverage.take(false, fresh)) if (!blocks.has(b)) novel = true;
    // A new block, or every eighth batch (new counts of known blocks only show one input at a time): one by one.
    if (!novel && round % 8 !== 0) continue;
    for (const input of batch) {
      execs++;
      o.target.run(input);
      fresh.clear();
      let grew = false;
      for (const f of o.coverage.take(true, fresh)) {
        if (features.has(f)) continue;
        features.add(f);
        blocks.add(Math.floor(f / 16) * 16);
        grew = true;
      }
      if (grew) {
        corpus.push(input);
        added.push(input);
      }
    }
  }
  return { execs, blocks: blocks.size, features: features.size, added, corpusSize: corpus.length, finding: null };
}

/** The corpus files of one target (test/fuzz/corpus/<name>/), in a stable order. */
export function readCorpus(dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.')).map((n) => readFileSync(join(dir, n)));
}
