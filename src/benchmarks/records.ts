/** Building a bench file's benchmark records from raw samples. */
import type { BenchmarkRecord } from '../regression/format.js';
import { summarize } from '../regression/statistics.js';

/** Six significant digits: far below any noise, and a bench file a third the size. */
function roundSample(x: number): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(6)) : x;
}

export function benchmarkRecord(
  name: string, group: string, unit: string, higherIsBetter: boolean, minThresholdPercent: number, samples: readonly number[],
  runSize?: string, exact = false,
): BenchmarkRecord {
  const rounded = samples.map(roundSample);
  return {
    name, group, unit, higherIsBetter, minThresholdPercent, ...(runSize === undefined ? {} : { runSize }), ...(exact ? { exact: true } : {}), samples: rounded,
    summary: summarize(rounded),
  };
}
