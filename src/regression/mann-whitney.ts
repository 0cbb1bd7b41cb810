/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, with the normal approximation, a
 * continuity correction and the tie correction of the variance. Nonparametric: it asks whether
 * one sample set tends to hold larger values than the other, without assuming a distribution,
 * which suits benchmark timings (skewed, with outliers). Google Benchmark's compare.py uses the
 * same test.
 *
 * The normal approximation is poor below about 4 samples per side; the smallest p-value it can
 * give is then above 0.05 (3 vs 3: about 0.08), so such a comparison is never significant.
 */

export interface MannWhitneyResult {
  /** U of the first sample set: the pairs (a, b) with a > b, ties counting one half. */
  readonly u: number;
  /** Standard score of U (0 when every value is the same). */
  readonly z: number;
  /** Two-sided p-value: the chance of a difference at least this large if both sets come from one distribution. */
  readonly p: number;
}

/**
 * Complementary error function, with fractional error below 1.2e-7 everywhere (a Chebyshev
 * fit; Numerical Recipes' erfcc), so small p-values keep their relative precision.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Two-sided tail probability of a standard normal beyond |z|. */
export function twoSidedNormalP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/** Mann-Whitney U test of sample sets a and b (each non-empty). */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('the Mann-Whitney test needs at least one sample on each side');
  for (const x of [...a, ...b]) if (!Number.isFinite(x)) throw new RangeError(`sample ${x} is not a finite number`);
  // Rank the pooled values; tied values share the mean of their ranks.
  const pooled = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))];
  pooled.sort((x, y) => x.v - y.v);
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && (pooled[j] as { v: number }).v === (pooled[i] as { v: number }).v) j++;
    const t = j - i;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if ((pooled[k] as { first: boolean }).first) rankSumA += rank;
    tieTerm += t * t * t - t;
    i = j;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * ((n + 1) - tieTerm / (n * (n - 1) || 1));
  if (variance <= 0) return { u, z: 0, p: 1 };
  const diff = u - mu;
  // Continuity correction: move half a unit towards the mean, never past it.
  const corrected = Math.sign(diff) * Math.max(0, Math.abs(diff) - 0.5);
  const z = corrected / Math.sqrt(variance);
  return { u, z, p: twoSidedNormalP(z) };
}
