import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { erfc, mannWhitneyU } from '../../src/regression/mann-whitney.js';
import { summarize } from '../../src/regression/statistics.js';
import { Prng } from '../../src/workload/prng.js';

/** Standard normal samples from a seeded generator (Box-Muller). */
function normals(seed: number, stream: number, n: number, mean = 0, sd = 1): number[] {
  const rng = new Prng(seed, stream);
  const out: number[] = [];
  while (out.length < n) {
    const u1 = (rng.u32() + 1) / 4294967297;
    const u2 = rng.u32() / 4294967296;
    out.push(mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
  }
  return out;
}

function close(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual} is not within ${relative} of ${expected}`);
}

test('erfc matches known values to 1e-7 relative', () => {
  close(erfc(0), 1, 1e-7, 'erfc(0)');
  close(erfc(1), 0.15729920705028513, 1e-6, 'erfc(1)');
  close(erfc(2), 0.004677734981047265, 1e-6, 'erfc(2)');
  close(erfc(3), 2.2090496998585438e-5, 1e-6, 'erfc(3)');
  close(erfc(-1), 1.842700792949715, 1e-7, 'erfc(-1)');
});

test('U and p agree with scipy.stats.mannwhitneyu (asymptotic, continuity), ties included', () => {
  // Reference values from scipy 1.17: mannwhitneyu(a, b, alternative='two-sided', method='asymptotic').
  const cases: [number[], number[], number, number][] = [
    [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 0, 0.012185780355344813],
    [[1, 1, 1, 2], [1, 2, 2, 2], 4, 0.24706152509165802],
    [[3.1, 4.2, 4.2, 5.0, 6.3, 7.7, 7.7, 8.1], [2.0, 3.1, 3.3, 4.2, 4.9, 5.0, 5.5], 42, 0.11590917554655861],
    [[10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], [12.5, 13.5, 15, 16, 17, 21, 22, 23, 24, 25], 28.5, 0.06685452218371288],
  ];
  for (const [a, b, u, p] of cases) {
    const r = mannWhitneyU(a, b);
    assert.is(r.u, u, `U of ${a.join(',')} vs ${b.join(',')}`);
    close(r.p, p, 1e-5, `p of ${a.join(',')} vs ${b.join(',')}`);
  }
});

test('U counts the pairs a > b (ties one half), and the test is symmetric', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new Prng(seed, 0);
    const a = Array.from({ length: 3 + rng.below(20) }, () => rng.below(8));
    const b = Array.from({ length: 3 + rng.below(20) }, () => rng.below(8));
    let pairs = 0;
    for (const x of a) for (const y of b) pairs += x > y ? 1 : x === y ? 0.5 : 0;
    const ab = mannWhitneyU(a, b);
    const ba = mannWhitneyU(b, a);
    assert.is(ab.u, pairs, `seed ${seed}`);
    assert.is(ab.u + ba.u, a.length * b.length, `seed ${seed}`);
    close(ab.p, ba.p, 1e-12, `seed ${seed} symmetric p`);
    assert.ok(ab.p > 0 && ab.p <= 1, `seed ${seed} p in (0, 1]`);
  }
});

test('a half-sd shift over 200 samples is significant; the same distribution is not', () => {
  const base = normals(7, 0, 200, 100, 10);
  const shifted = normals(7, 1, 200, 105, 10);
  const same = normals(7, 2, 200, 100, 10);
  const shift = mannWhitneyU(base, shifted);
  assert.ok(shift.p < 1e-4, `shifted: p ${shift.p}`);
  assert.ok(shift.z < 0, 'the first set holds the smaller values');
  const null0 = mannWhitneyU(base, same);
  assert.ok(null0.p > 0.05, `same distribution: p ${null0.p}`);
});

test('under the null hypothesis about 5% of seeded comparisons reach p < 0.05', () => {
  let hits = 0;
  const trials = 400;
  for (let s = 0; s < trials; s++) {
    if (mannWhitneyU(normals(1000 + s, 0, 30), normals(1000 + s, 1, 30)).p < 0.05) hits++;
  }
  const rate = hits / trials;
  assert.ok(rate > 0.02 && rate < 0.09, `false-positive rate ${rate}`);
});

test('identical values on both sides give p = 1; the test refuses empty or non-finite samples', () => {
  const r = mannWhitneyU([5, 5, 5], [5, 5, 5, 5]);
  assert.is(r.p, 1);
  assert.is(r.z, 0);
  assert.throws(() => mannWhitneyU([], [1]), /at least one sample/);
  assert.throws(() => mannWhitneyU([1, NaN], [1]), /not a finite number/);
});

test('summaries keep min <= median <= p99 <= max and the mean inside', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const xs = normals(seed, 3, 1 + seed * 17, 50, 20);
    const s = summarize(xs);
    assert.is(s.n, xs.length);
    assert.ok(s.min <= s.median && s.median <= s.p99 && s.p99 <= s.max, `seed ${seed}`);
    assert.ok(s.mean >= s.min && s.mean <= s.max, `seed ${seed}`);
  }
  assert.equal(summarize([4, 1, 3, 2]), { median: 2.5, mean: 2.5, p99: 4, min: 1, max: 4, n: 4 });
});

test.run();
