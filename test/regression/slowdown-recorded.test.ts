/**
 * The decision rule of `tcesim compare` on recorded samples (test/data/bench/, the in-thread
 * rows of real `tcesim bench --quick` runs of one build on the shared 2-core VM; README.md there
 * says how and when). Deterministic: no timing happens here.
 * - Consecutive runs of the same build: no verdict.
 * - The same pairs with every handler's samples on the new side made 10% slower, one handler
 *   at a time: that handler is reported slower (and nothing else is).
 * - Runs with a real 10% slowdown injected into one handler (the suite's hook): reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { storeRatioRow } from '../../src/benchmarks/suite.js';
import { compareBenchFiles, DEFAULT_COMPARE_OPTIONS } from '../../src/regression/compare.js';
import { parseBenchFile, type BenchFile } from '../../src/regression/format.js';
import { ROOT } from '../helpers.js';

const DIR = join(ROOT, 'test', 'data', 'bench');
const read = (name: string): BenchFile => parseBenchFile(readFileSync(join(DIR, name), 'utf8'), name);
const selfRuns = readdirSync(DIR).filter((n) => /^self-\d+\.json$/.test(n)).sort().map(read);

/** The handlers the issue names, by their in-thread rows. */
const HANDLERS = [
  'realmode H_PUT_TCE',
  'realmode H_PUT_TCE_INDIRECT 8 entries',
  'realmode H_STUFF_TCE tce=0 npages=1',
  'realmode H_STUFF_TCE tce=0 npages=8',
  'realmode H_GET_TCE',
];

function verdicts(base: BenchFile, next: BenchFile): Map<string, string> {
  const c = compareBenchFiles(base, next, DEFAULT_COMPARE_OPTIONS);
  return new Map(c.benchmarks.filter((b) => b.verdict !== 'unchanged').map((b) => [b.name, b.verdict]));
}

/** `f` with the samples of `row` and its ratio to the store multiplied by `factor`. */
function slowed(f: BenchFile, row: string, factor: number): BenchFile {
  return {
    ...f,
    benchmarks: f.benchmarks.map((b) => (b.name === row || b.name === storeRatioRow(row) ? { ...b, samples: b.samples.map((x) => x * factor) } : b)),
  };
}

test('the recorded runs are what the checks need: 11 runs of one build, every handler in 10 processes', () => {
  assert.is(selfRuns.length, 11);
  assert.is(new Set(selfRuns.map((f) => f.git.revision)).size, 1, 'one build');
  for (const f of selfRuns) {
    for (const h of HANDLERS) {
      assert.is(f.benchmarks.find((b) => b.name === storeRatioRow(h))?.samples.length, 10, `${h} in ${f.date}`);
    }
  }
});

test('10 comparisons of the build with itself: no verdict', () => {
  for (let i = 0; i + 1 < selfRuns.length; i++) {
    const v = verdicts(selfRuns[i]!, selfRuns[i + 1]!);
    assert.equal([...v], [], `runs ${i} and ${i + 1}: ${JSON.stringify([...v])}`);
  }
});

test('a 10% slowdown of any one handler, in any of those 10 pairs, is reported slower, and only it', () => {
  for (let i = 0; i + 1 < selfRuns.length; i++) {
    for (const h of HANDLERS) {
      const v = verdicts(selfRuns[i]!, slowed(selfRuns[i + 1]!, h, 1.1));
      assert.is(v.get(storeRatioRow(h)), 'slower', `${h}, runs ${i} and ${i + 1}: ${JSON.stringify([...v])}`);
      assert.ok([...v.keys()].every((name) => name === storeRatioRow(h) || name === h), `${h}, runs ${i} and ${i + 1}: ${JSON.stringify([...v])}`);
    }
  }
});

test('a real 10% slowdown injected into H_PUT_TCE, INDIRECT, H_STUFF_TCE npages=8 and H_GET_TCE (bench/slowdown.bench.ts) is reported slower', () => {
  // docs/regression.md: the same check missed H_STUFF_TCE npages=1 (+10.9% under a 13.5% noise
  // bar) in a run where 4 of its 10 processes never had a quiet moment.
  for (const i of [0, 1, 3, 4]) {
    const h = HANDLERS[i]!;
    const v = verdicts(read(`inject-${i}-base.json`), read(`inject-${i}-slow.json`));
    assert.equal([...v], [[storeRatioRow(h), 'slower']], h);
  }
});

test.run();
