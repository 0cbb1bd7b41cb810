/**
 * Summaries of a benchmark's raw samples: the figures a bench file stores beside the samples
 * and a comparison prints. Quantiles are nearest-rank, so every figure is one of the samples.
 */

export interface SampleSummary {
  readonly median: number;
  readonly mean: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  /** Number of samples. */
  readonly n: number;
}

/** The samples sorted ascending, in a new array. */
function sortedCopy(samples: readonly number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}

/** Nearest-rank quantile q (0 < q <= 1) of ascending samples; NaN for none. */
function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** The median (the mean of the two middle samples for an even count); NaN for none. */
export function median(samples: readonly number[]): number {
  const a = sortedCopy(samples);
  const mid = a.length >>> 1;
  if (a.length === 0) return NaN;
  return a.length % 2 === 1 ? (a[mid] as number) : ((a[mid - 1] as number) + (a[mid] as number)) / 2;
}

export function mean(samples: readonly number[]): number {
  let s = 0;
  for (const x of samples) s += x;
  return samples.length === 0 ? NaN : s / samples.length;
}

/** Median, mean, p99, min, max and n of at least one sample. */
export function summarize(samples: readonly number[]): SampleSummary {
  if (samples.length === 0) throw new RangeError('cannot summarize an empty sample set');
  const a = sortedCopy(samples);
  return {
    median: median(a),
    mean: mean(a),
    p99: quantileSorted(a, 0.99),
    min: a[0] as number,
    max: a[a.length - 1] as number,
    n: a.length,
  };
}
