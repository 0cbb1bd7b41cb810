/**
 * Comparing two bench files: per benchmark a verdict from the samples, and an exact diff of
 * the escalation profiles. A benchmark is slower (or faster) only when both hold:
 * - the Mann-Whitney test finds the two sample sets differ (p < alpha), and
 * - the medians differ by more than the threshold: the larger of the one asked for and the
 *   benchmark's own minimum (figures that cross threads are noisier on a shared machine).
 * Figures with no spread on either side (modelled figures of a deterministic run) need no
 * test: they differ exactly when their values differ.
 */
import type { BenchFile, BenchmarkRecord, EscalationProfile, ProfileRun } from './format.js';
import { mannWhitneyU, twoSidedNormalP } from './mann-whitney.js';
import { median } from './statistics.js';

export interface CompareOptions {
  /** Relative change of the medians, in percent, below which nothing is called slower or faster. */
  readonly thresholdPercent: number;
  /** Significance level of the Mann-Whitney test. */
  readonly alpha: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { thresholdPercent: 5, alpha: 0.05 };

export type Verdict = 'faster' | 'slower' | 'unchanged';

export interface BenchmarkComparison {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly baseMedian: number;
  readonly newMedian: number;
  /** (new - base) / |base| in percent, in the benchmark's own unit (so + is slower for ns/call). */
  readonly changePercent: number;
  readonly p: number;
  /** Both sides without spread: the change is exact and p is 0 or 1 by definition. */
  readonly exact: boolean;
  /** Whether these sample counts can reach p < alpha at all. */
  readonly testable: boolean;
  /** The threshold this benchmark was judged with (percent). */
  readonly thresholdPercent: number;
  readonly verdict: Verdict;
}

export interface ProfileChange {
  /** "nic realmode", or "parameters" for the profile's own settings. */
  readonly run: string;
  /** "answered-by realmode", "escalation page-not-allocated", "hcall H_PUT_TCE@virtmode", "calls"... */
  readonly count: string;
  readonly base: number;
  readonly new: number;
}

export interface Comparison {
  readonly options: CompareOptions;
  readonly benchmarks: readonly BenchmarkComparison[];
  readonly onlyInBase: readonly string[];
  readonly onlyInNew: readonly string[];
  /**
   * Benchmarks on both sides that cannot be judged: unit or direction changed, or exact
   * (modelled) figures of runs of different sizes. Listed, not judged.
   */
  readonly incomparable: readonly { readonly name: string; readonly why: string }[];
  readonly profileChanges: readonly ProfileChange[];
  /** Profile runs ("workload mode") on one side only: listed, not counted as changes. */
  readonly profileOnlyInBase: readonly string[];
  readonly profileOnlyInNew: readonly string[];
  readonly slower: number;
  readonly faster: number;
  /** 1 when anything got slower beyond threshold and noise, a benchmark of BASE is missing from NEW, or the profile changed; 0 otherwise. */
  readonly exitCode: 0 | 1;
}

/** The smallest two-sided p-value the normal approximation can give for these sample counts. */
export function smallestP(n1: number, n2: number): number {
  if (n1 < 1 || n2 < 1) return 1;
  const sd = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  return twoSidedNormalP(Math.max(0, (n1 * n2) / 2 - 0.5) / sd);
}

function hasSpread(samples: readonly number[]): boolean {
  const first = samples[0];
  return samples.some((x) => x !== first);
}

/** Judge one benchmark present on both sides. */
export function compareBenchmark(base: BenchmarkRecord, next: BenchmarkRecord, options: CompareOptions): BenchmarkComparison {
  const baseMedian = median(base.samples);
  const newMedian = median(next.samples);
  const changePercent = baseMedian === newMedian ? 0 : baseMedian === 0 ? Math.sign(newMedian) * Infinity : ((newMedian - baseMedian) / Math.abs(baseMedian)) * 100;
  const exact = !hasSpread(base.samples) && !hasSpread(next.samples);
  const p = exact ? (baseMedian === newMedian ? 1 : 0) : mannWhitneyU(base.samples, next.samples).p;
  const testable = exact || smallestP(base.samples.length, next.samples.length) < options.alpha;
  const thresholdPercent = Math.max(options.thresholdPercent, base.minThresholdPercent, next.minThresholdPercent);
  let verdict: Verdict = 'unchanged';
  if (p < options.alpha && Math.abs(changePercent) > thresholdPercent) {
    const better = next.higherIsBetter ? changePercent > 0 : changePercent < 0;
    verdict = better ? 'faster' : 'slower';
  }
  return {
    name: base.name, unit: base.unit, higherIsBetter: base.higherIsBetter, baseMedian, newMedian, changePercent, p, exact,
    testable, thresholdPercent, verdict,
  };
}

function profileCounts(r: ProfileRun): Map<string, number> {
  const m = new Map<string, number>([['calls', r.calls]]);
  for (const [k, v] of Object.entries(r.answeredBy)) m.set(`answered-by ${k}`, v);
  for (const [k, v] of Object.entries(r.escalations)) m.set(`escalation ${k}`, v);
  for (const [k, v] of Object.entries(r.byHcall)) m.set(`hcall ${k}`, v);
  return m;
}

/** Every count that differs between two profiles (a count missing on one side is 0 there). */
export function diffProfiles(base: EscalationProfile, next: EscalationProfile): {
  changes: ProfileChange[]; onlyInBase: string[]; onlyInNew: string[];
} {
  const changes: ProfileChange[] = [];
  for (const key of ['vcpus', 'callsPerVcpu', 'seed', 'ringRecords'] as const) {
    if (base[key] !== next[key]) changes.push({ run: 'parameters', count: key, base: base[key], new: next[key] });
  }
  const runKey = (r: ProfileRun): string => `${r.workload} ${r.mode}`;
  const baseRuns = new Map(base.runs.map((r) => [runKey(r), r]));
  const newRuns = new Map(next.runs.map((r) => [runKey(r), r]));
  for (const [key, b] of baseRuns) {
    const n = newRuns.get(key);
    if (n === undefined) continue;
    const bc = profileCounts(b);
    const nc = profileCounts(n);
    const names = [...new Set([...bc.keys(), ...nc.keys()])].sort();
    for (const count of names) {
      const bv = bc.get(count) ?? 0;
      const nv = nc.get(count) ?? 0;
      if (bv !== nv) changes.push({ run: key, count, base: bv, new: nv });
    }
  }
  return {
    changes,
    onlyInBase: [...baseRuns.keys()].filter((k) => !newRuns.has(k)),
    onlyInNew: [...newRuns.keys()].filter((k) => !baseRuns.has(k)),
  };
}

export function compareBenchFiles(base: BenchFile, next: BenchFile, options: CompareOptions = DEFAULT_COMPARE_OPTIONS): Comparison {
  const newByName = new Map(next.benchmarks.map((b) => [b.name, b]));
  const baseNames = new Set(base.benchmarks.map((b) => b.name));
  const benchmarks: BenchmarkComparison[] = [];
  const incomparable: { name: string; why: string }[] = [];
  for (const b of base.benchmarks) {
    const n = newByName.get(b.name);
    if (n === undefined) continue;
    if (b.unit !== n.unit || b.higherIsBetter !== n.higherIsBetter) {
      incomparable.push({ name: b.name, why: `unit ${b.unit} (${b.higherIsBetter ? 'higher' : 'lower'} is better) became ${n.unit} (${n.higherIsBetter ? 'higher' : 'lower'} is better)` });
      continue;
    }
    const judged = compareBenchmark(b, n, options);
    if (judged.exact && b.runSize !== n.runSize) {
      incomparable.push({ name: b.name, why: `exact figures of runs of different sizes (${b.runSize ?? '?'} vs ${n.runSize ?? '?'} calls per vCPU)` });
      continue;
    }
    benchmarks.push(judged);
  }
  const profile = diffProfiles(base.profile, next.profile);
  const slower = benchmarks.filter((c) => c.verdict === 'slower').length;
  const faster = benchmarks.filter((c) => c.verdict === 'faster').length;
  return {
    options, benchmarks,
    onlyInBase: base.benchmarks.map((b) => b.name).filter((name) => !newByName.has(name)),
    onlyInNew: next.benchmarks.map((b) => b.name).filter((name) => !baseNames.has(name)),
    incomparable,
    profileChanges: profile.changes, profileOnlyInBase: profile.onlyInBase, profileOnlyInNew: profile.onlyInNew,
    slower, faster,
    // A benchmark that stopped being measured hides whatever it would have shown: a regression.
    exitCode: slower > 0 || profile.changes.length > 0 || base.benchmarks.some((b) => !newByName.has(b.name)) ? 1 : 0,
  };
}
