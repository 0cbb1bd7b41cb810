import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { changeStandardError, compareBenchFiles, NOISE_FACTOR, smallestP } from '../../src/regression/compare.js';
import { formatComparison } from '../../src/regression/compare-report.js';
import { BenchFileError, parseBenchFile, serializeBenchFile, type BenchFile } from '../../src/regression/format.js';
import { bench, file, profile, samples } from './support.js';

const opts = { thresholdPercent: 5, alpha: 0.05 };

function verdictOf(base: number[], next: number[], over: Parameters<typeof bench>[2] = {}, o = opts) {
  const c = compareBenchFiles(file([bench('row', base, over)]), file([bench('row', next, over)]), o);
  const b = c.benchmarks[0];
  if (b === undefined) throw new Error('no comparison');
  return { c, b };
}

test('30% slower with 500 samples a side: slower, exit 1', () => {
  const { c, b } = verdictOf(samples(1, 500, 50, 10), samples(2, 500, 65, 10));
  assert.is(b.verdict, 'slower');
  assert.ok(b.p < 1e-6);
  assert.ok(b.changePercent > 25 && b.changePercent < 35, String(b.changePercent));
  assert.is(c.exitCode, 1);
  assert.is(c.slower, 1);
});

test('significant but within the threshold: unchanged, exit 0', () => {
  // 2% slower with little spread: the test is sure, the threshold says it does not matter.
  const { c, b } = verdictOf(samples(3, 2000, 50, 2), samples(4, 2000, 51, 2));
  assert.ok(b.p < 1e-6, `p ${b.p}`);
  assert.is(b.verdict, 'unchanged');
  assert.is(c.exitCode, 0);
});

test('beyond the threshold but not significant: unchanged (3 noisy repeats a side)', () => {
  const { b } = verdictOf([100, 160, 130], [150, 120, 210]);
  assert.ok(Math.abs(b.changePercent) > 5);
  assert.is(b.testable, false, 'three samples a side can never reach p < 0.05');
  assert.is(b.verdict, 'unchanged');
  assert.ok(smallestP(3, 3) > 0.05 && smallestP(4, 4) < 0.05);
  // As docs/regression.md says: 3 samples are enough only against 5 or more.
  assert.ok(smallestP(3, 4) > 0.05 && smallestP(3, 5) < 0.05 && smallestP(3, 10) < 0.05);
});

test('direction: lower ns/call is faster; lower calls/s is slower', () => {
  assert.is(verdictOf(samples(5, 300, 80, 5), samples(6, 300, 50, 5)).b.verdict, 'faster');
  const { b, c } = verdictOf(samples(5, 300, 80, 5), samples(6, 300, 50, 5), { unit: 'calls/s', higherIsBetter: true });
  assert.is(b.verdict, 'slower');
  assert.is(c.exitCode, 1);
  const faster = verdictOf(samples(5, 300, 50, 5), samples(6, 300, 80, 5), { unit: 'calls/s', higherIsBetter: true });
  assert.is(faster.b.verdict, 'faster');
  assert.is(faster.c.exitCode, 0, 'getting faster is not a regression');
});

test("a benchmark's own minimum threshold raises the bar", () => {
  const base = samples(7, 400, 100, 10);
  const next = samples(8, 400, 130, 10);
  assert.is(verdictOf(base, next).b.verdict, 'slower');
  const { b } = verdictOf(base, next, { minThresholdPercent: 50 });
  assert.is(b.thresholdPercent, 50);
  assert.is(b.verdict, 'unchanged');
});

test('figures without spread compare exactly, whatever the sample count', () => {
  const { b, c } = verdictOf([1000, 1000, 1000], [900, 900, 900], { unit: 'calls/s', higherIsBetter: true });
  assert.is(b.exact, true);
  assert.is(b.p, 0);
  assert.is(b.verdict, 'slower');
  assert.is(c.exitCode, 1);
  const same = verdictOf([1000, 1000], [1000, 1000, 1000]);
  assert.is(same.b.p, 1);
  assert.is(same.b.verdict, 'unchanged');
});

test('one sample a side is exact only when the file says the figure is deterministic', () => {
  // One wall-clock timing each (a quick run's single repeat): no spread, but not exact.
  const timing = verdictOf([100], [250], { unit: 'us/call' }).b;
  assert.is(timing.exact, false);
  assert.is(timing.testable, false);
  assert.is(timing.verdict, 'unchanged');
  // A modelled figure of a deterministic run, declared exact on both sides: compared exactly.
  const modelled = verdictOf([1000], [900], { unit: 'calls/s', higherIsBetter: true, exact: true }).b;
  assert.is(modelled.exact, true);
  assert.is(modelled.verdict, 'slower');
  assert.is(verdictOf([1000], [1000], { unit: 'calls/s', higherIsBetter: true, exact: true }).b.verdict, 'unchanged');
});

test('exact figures of runs of different sizes are not compared; of runs of the same size they are', () => {
  const row = (size: string, value: number) => bench('pipeline nic userspace 1vcpu modelled MB/s', [value, value], { unit: 'MB/s', higherIsBetter: true, runSize: size });
  const c = compareBenchFiles(file([row('78840', 257)]), file([row('591280', 228.4)]), opts);
  assert.equal(c.benchmarks, []);
  assert.equal(c.incomparable, [{ name: 'pipeline nic userspace 1vcpu modelled MB/s', why: 'exact figures of runs of different sizes (78840 vs 591280 calls per vCPU)' }]);
  assert.is(c.exitCode, 0);
  const same = compareBenchFiles(file([row('591280', 257)]), file([row('591280', 228.4)]), opts);
  assert.is(same.benchmarks[0]?.verdict, 'slower');
  assert.is(same.exitCode, 1);
});

test('standard error of the change: from each side\'s median absolute deviation, robust to one odd process', () => {
  // MAD 1 around a median of 100 on each side: sd 1.4826%, a median's se sqrt(pi/2) * sd / sqrt(n).
  const side = [98, 99, 99, 100, 100, 100, 101, 101, 102];
  const expected = 100 * Math.sqrt(2 * (Math.sqrt(Math.PI / 2) * 0.014826) ** 2 / side.length);
  assert.ok(Math.abs(changeStandardError(side, side) - expected) < 1e-9, String(changeStandardError(side, side)));
  // One process reading 30% high moves neither median nor MAD much.
  const odd = [...side.slice(0, 8), 130];
  assert.ok(changeStandardError(side, odd) < 1.2 * expected, String(changeStandardError(side, odd)));
  assert.is(changeStandardError([5], [5, 6]), Infinity, 'one sample: no spread to judge by');
  assert.is(NOISE_FACTOR, 3);
});

test('a change within the noise between processes is not a verdict, however significant the rank test', () => {
  // 8 processes a side spread over +-15%: a 12% shift of the medians can be significant at
  // 5%, but 3 standard errors of the change are about 15%: unchanged, the threshold set by the noise.
  const base = samples(21, 8, 100, 30);
  const next = samples(22, 8, 112, 30);
  const { b } = verdictOf(base, next);
  assert.is(b.thresholdFrom, 'noise');
  assert.ok(b.thresholdPercent > 12, String(b.thresholdPercent));
  assert.is(b.verdict, 'unchanged');
  // The same 12% with the processes within +-2%: beyond the noise, slower.
  const tight = verdictOf(samples(21, 8, 100, 4), samples(22, 8, 112, 4)).b;
  assert.is(tight.verdict, 'slower');
  assert.is(tight.thresholdFrom, 'asked');
  const text = formatComparison(verdictOf(base, next).c, file([]), file([])).join('\n');
  assert.match(text, /\d+\.\d% noise\s+unchanged/);
});

test('a benchmark missing from NEW is a regression; one only in NEW is listed; a changed unit is listed as not compared', () => {
  const base = file([bench('kept', [1, 2, 3]), bench('gone', [1]), bench('retyped', [1, 2])]);
  const next = file([bench('kept', [1, 2, 3]), bench('added', [4]), bench('retyped', [1, 2], { unit: 'us/call' })]);
  const c = compareBenchFiles(base, next, opts);
  assert.equal(c.onlyInBase, ['gone']);
  assert.equal(c.onlyInNew, ['added']);
  assert.equal(c.incomparable.map((x) => x.name), ['retyped']);
  assert.is(c.exitCode, 1, 'gone is no longer measured');
  const text = formatComparison(c, base, next).join('\n');
  assert.match(text, /missing from new: gone \(a regression: it is no longer measured\)/);
  assert.match(text, /: regression \(1 missing from new\)$/);
  assert.is(compareBenchFiles(base, file([...next.benchmarks, bench('gone', [1])]), opts).exitCode, 0, 'with gone back, no regression');
  assert.match(text, /only in new: {2}added/);
  assert.match(text, /not compared: retyped: unit ns\/call/);
});

test('a row NEW measured without a figure: said, with why; a regression only when its planned samples could have given a verdict', () => {
  const why = 'noise: in each of 1 repeat(s), 3 tries left no slope';
  const noFigure = (planned: number) => ({ name: 'speed row', group: 'speed', unit: 'calls/s', planned, why });
  const quickBase = file([bench('kept', [1, 2, 3]), bench('speed row', [5000], { unit: 'calls/s', higherIsBetter: true })]);
  // A quick run: one sample planned a side can never get a verdict, so no figure hides none.
  const quickNew: BenchFile = { ...file([bench('kept', [1, 2, 3])]), noFigure: [noFigure(1)] };
  const q = compareBenchFiles(quickBase, quickNew, opts);
  assert.equal(q.onlyInBase, [], 'listed as without a figure, not as missing');
  assert.equal(q.noFigureInNew, [{ name: 'speed row', why, planned: 1, hidesVerdict: false }]);
  assert.is(q.exitCode, 0);
  const qText = formatComparison(q, quickBase, quickNew).join('\n');
  assert.match(qText, /no figure in new: speed row: noise: in each of 1 repeat\(s\), 3 tries left no slope \(not a regression: with 1 sample\(s\) planned it could never get a verdict\)/);
  assert.match(qText, /: no regression$/);
  // Five repeats a side could have given a verdict: losing the figure hides it, a regression.
  const fullBase = file([bench('kept', [1, 2, 3]), bench('speed row', [5000, 5100, 4900, 5050, 4950], { unit: 'calls/s', higherIsBetter: true })]);
  const fullNew: BenchFile = { ...file([bench('kept', [1, 2, 3])]), noFigure: [noFigure(5)] };
  const f = compareBenchFiles(fullBase, fullNew, opts);
  assert.is(f.noFigureInNew[0]?.hidesVerdict, true);
  assert.is(f.exitCode, 1);
  const fText = formatComparison(f, fullBase, fullNew).join('\n');
  assert.match(fText, /\(a regression: with 5 sample\(s\) planned it could have got a verdict\)/);
  assert.match(fText, /: regression \(1 without a figure in new\)$/);
  // Not listed at all: still missing, still a regression, whatever the sample counts.
  assert.equal(compareBenchFiles(quickBase, file([bench('kept', [1, 2, 3])]), opts).onlyInBase, ['speed row']);
  assert.is(compareBenchFiles(quickBase, file([bench('kept', [1, 2, 3])]), opts).exitCode, 1);
  // Without a figure in BASE: listed, not judged, not only-in-new.
  const back = compareBenchFiles(quickNew, quickBase, opts);
  assert.equal(back.noFigureInBase, [{ name: 'speed row', why }]);
  assert.equal(back.onlyInNew, []);
  assert.is(back.exitCode, 0);
  // The list survives the file, and a name may not be both measured and without a figure.
  assert.equal(parseBenchFile(serializeBenchFile(quickNew), 'q.json').noFigure, [noFigure(1)]);
  const both = serializeBenchFile({ ...quickNew, noFigure: [noFigure(1), { ...noFigure(1), name: 'kept' }] });
  assert.throws(() => parseBenchFile(both, 'both.json'), (e: unknown) => e instanceof BenchFileError && /both\.json: noFigure\[1\]\.name: "kept" appears twice/.test(e.message));
  const old = JSON.parse(serializeBenchFile(file([bench('kept', [1])]))) as Record<string, unknown>;
  delete old['noFigure'];
  assert.equal(parseBenchFile(JSON.stringify(old), 'old.json').noFigure, [], 'a file written before the list has none');
});

test('the escalation profile is diffed exactly: every changed count, exit 1 even with identical timings', () => {
  const rows = [bench('row', samples(9, 100, 50, 5))];
  const changed = profile();
  const run = changed.runs[0];
  if (run === undefined) throw new Error('no run');
  const next = profile({
    runs: [{ ...run, answeredBy: { ...run.answeredBy, realmode: 190, virtmode: 10 }, escalations: { 'page-not-allocated': 2, 'log-full': 8 } }],
  });
  const c = compareBenchFiles(file(rows), file(rows, next), opts);
  assert.is(c.benchmarks[0]?.verdict, 'unchanged');
  assert.is(c.benchmarks[0]?.p, 1);
  assert.equal(c.profileChanges, [
    { run: 'nic realmode', count: 'answered-by realmode', base: 198, new: 190 },
    { run: 'nic realmode', count: 'answered-by virtmode', base: 2, new: 10 },
    { run: 'nic realmode', count: 'escalation log-full', base: 0, new: 8 },
  ]);
  assert.is(c.exitCode, 1);
  const text = formatComparison(c, file(rows), file(rows, next)).join('\n');
  assert.match(text, /escalation profile: 3 count\(s\) changed/);
  assert.match(text, /nic realmode\s+escalation log-full\s+0\s+8/);
  assert.match(text, /regression \(the escalation profile changed\)/);
});

test('profile runs on one side are listed without failing; different profile parameters are a change', () => {
  const extra = profile();
  const withMore = profile({ runs: [...extra.runs, { ...(extra.runs[0] as NonNullable<typeof extra.runs[0]>), workload: 'storage' }] });
  const c = compareBenchFiles(file([]), file([], withMore), opts);
  assert.equal(c.profileOnlyInNew, ['storage realmode']);
  assert.is(c.exitCode, 0);
  const p = compareBenchFiles(file([]), file([], profile({ ringRecords: 2048 })), opts);
  assert.equal(p.profileChanges, [{ run: 'parameters', count: 'ringRecords', base: 1024, new: 2048 }]);
  assert.is(p.exitCode, 1);
});

test('a bench file survives serialization; a malformed one names the file and field', () => {
  const f = file([bench('row', [1.5, 2.25, 3])]);
  const back = parseBenchFile(serializeBenchFile(f), 'f.json');
  assert.equal(back, f);
  assert.match(serializeBenchFile(f), /"samples": \[1\.5,2\.25,3\]/);
  const broken = JSON.parse(serializeBenchFile(f));
  broken.benchmarks[0].samples = [];
  assert.throws(() => parseBenchFile(JSON.stringify(broken), 'f.json'), (e: unknown) =>
    e instanceof BenchFileError && /^f\.json: benchmarks\[0\]\.samples: must be a non-empty array/.test(e.message));
  // A time, rate or ratio is above zero: a negative or zero sample is a damaged file, not a figure to compare.
  for (const bad of [[1.5, -2, 3], [0, 0, 0]]) {
    broken.benchmarks[0].samples = bad;
    assert.throws(() => parseBenchFile(JSON.stringify(broken), 'f.json'), (e: unknown) =>
      e instanceof BenchFileError && /^f\.json: benchmarks\[0\]\.samples: must be a non-empty array of finite numbers above zero/.test(e.message), JSON.stringify(bad));
  }
  assert.throws(() => parseBenchFile('{"format": "something-else"}', 'g.json'), /g\.json: not a tcesim bench file/);
  assert.throws(() => parseBenchFile(JSON.stringify({ ...f, version: 2 }), 'h.json'), /h\.json: version: 2 is not a version this tcesim reads/);
});

test.run();
