/**
 * Comparing two bench files: per benchmark a verdict from the samples, and an exact diff of
 * the escalation profiles. A benchmark is slower (or faster) only when all hold:
 * - the sides have enough samples for a difference to be significant at all (smallestP: 4 a
 *   side, or 3 against 5 or more);
 * - the medians differ by more than NOISE_FACTOR standard errors of their difference, the
 *   standard error estimated robustly from the spread between the samples on each side (for
 *   the in-thread rows, one sample per worker process: the variation between processes), and
 *   significantly at alpha on that estimate (implied by the first at the default alpha);
 * - the medians differ by more than the threshold: the larger of the one asked for and the
 *   benchmark's own minimum (figures that cross threads are noisier on a shared machine).
 * Not the Mann-Whitney test, which it used to be: it counts how many samples lie on the wrong
 * side, so two processes of ten that never had a quiet moment hid a 10% slowdown (p = 0.10)
 * whose medians had moved by exactly 10% (test/regression/slowdown-recorded.test.ts).
 * Figures with no spread on either side (modelled figures of a deterministic run) need no
 * test: they differ exactly when their values differ.
 */
import type { BenchFile, BenchmarkRecord, EscalationProfile, ProfileRun } from './format.js';
import { twoSidedNormalP } from './mann-whitney.js';
import { median } from './statistics.js';

export interface CompareOptions {
  /** Relative change of the medians, in percent, below which nothing is called slower or faster. */
  readonly thresholdPercent: number;
  /** Significance level of the Mann-Whitney test. */
  readonly alpha: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { thresholdPercent: 5, alpha: 0.05 };

/**
 * How many standard errors of the change a change must exceed. Fixed in advance, not fitted to
 * any self-comparison: three standard errors, the usual bar for "not noise", which a change
 * made only of noise (normal) passes 0.27% of the time; with about 10 judged rows in a quick
 * bench file, that is one false verdict in some 40 comparisons of a build with itself, before
 * the Mann-Whitney test and the threshold (both also required) cut it further.
 */
export const NOISE_FACTOR = 3;

/** The scale factor that turns a median absolute deviation into a standard deviation (normal data). */
const MAD_TO_SD = 1.4826;
/** Standard error of a median over that of a mean, for large normal samples: sqrt(pi / 2). */
const MEDIAN_SE_FACTOR = Math.sqrt(Math.PI / 2);

/**
 * Standard error of the relative change of the medians, in percent of the base median: each
 * side's spread is its median absolute deviation (robust: one odd worker process does not
 * inflate it), as a standard deviation, over its median; a median's standard error is
 * sqrt(pi/2) times sd / sqrt(n). 0 when a side has no spread; Infinity with one sample a side.
 */
export function changeStandardError(base: readonly number[], next: readonly number[]): number {
  const side = (xs: readonly number[]): number => {
    if (xs.length < 2) return Infinity;
    const m = median(xs);
    const sd = (MAD_TO_SD * median(xs.map((x) => Math.abs(x - m)))) / Math.abs(m);
    return (MEDIAN_SE_FACTOR * sd) ** 2 / xs.length;
  };
  return 100 * Math.sqrt(side(base) + side(next));
}

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
  /** Standard error of changePercent, from the spread between samples on each side (percent). */
  readonly standardErrorPercent: number;
  /** The threshold this benchmark was judged with (percent): the larger of the one asked for, its own minimum, and NOISE_FACTOR standard errors. */
  readonly thresholdPercent: number;
  /** Which of those set it. */
  readonly thresholdFrom: 'asked' | 'row minimum' | 'noise';
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
  /** Benchmarks of BASE that NEW neither measured nor lists as having no figure: no longer measured. */
  readonly onlyInBase: readonly string[];
  readonly onlyInNew: readonly string[];
  /**
   * Benchmarks of BASE that NEW lists as measured without a figure (noise left none), and
   * whether that hides a verdict: whether the samples NEW planned for it, beside BASE's, could
   * have given one (testable). Only then is it a regression; otherwise the row could never have
   * been judged, and it is listed with why.
   */
  readonly noFigureInNew: readonly { readonly name: string; readonly why: string; readonly planned: number; readonly hidesVerdict: boolean }[];
  /** Benchmarks without a figure in BASE (with one in NEW, or in neither): listed, not judged. */
  readonly noFigureInBase: readonly { readonly name: string; readonly why: string }[];
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
  /**
   * 1 when anything got slower beyond threshold and noise, a benchmark of BASE is missing from
   * NEW or has no figure there where its planned samples could have given a verdict, or the
   * profile changed; 0 otherwise.
   */
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

/** Exact: declared deterministic on both sides, or at least two samples a side and no spread on either. */
function isExact(base: BenchmarkRecord, next: BenchmarkRecord): boolean {
  if (base.exact === true && next.exact === true) return !hasSpread(base.samples) && !hasSpread(next.samples);
  return base.samples.length >= 2 && next.samples.length >= 2 && !hasSpread(base.samples) && !hasSpread(next.samples);
}

/** Judge one benchmark present on both sides. */
function compareBenchmark(base: BenchmarkRecord, next: BenchmarkRecord, options: CompareOptions): BenchmarkComparison {
  const baseMedian = median(base.samples);
  const newMedian = median(next.samples);
  const changePercent = baseMedian === newMedian ? 0 : baseMedian === 0 ? Math.sign(newMedian) * Infinity : ((newMedian - baseMedian) / Math.abs(baseMedian)) * 100;
  const exact = isExact(base, next);
  const testable = exact || smallestP(base.samples.length, next.samples.length) < options.alpha;
  const standardErrorPercent = exact ? 0 : changeStandardError(base.samples, next.samples);
  const p = exact || standardErrorPercent === 0 ? (baseMedian === newMedian ? 1 : 0) : twoSidedNormalP(changePercent / standardErrorPercent);
  const rowMinimum = Math.max(base.minThresholdPercent, next.minThresholdPercent);
  const noise = NOISE_FACTOR * standardErrorPercent;
  const thresholdPercent = Math.max(options.thresholdPercent, rowMinimum, noise);
  const thresholdFrom = thresholdPercent === options.thresholdPercent ? 'asked' : thresholdPercent === rowMinimum ? 'row minimum' : 'noise';
  let verdict: Verdict = 'unchanged';
  if (testable && p < options.alpha && Math.abs(changePercent) > thresholdPercent) {
    const better = next.higherIsBetter ? changePercent > 0 : changePercent < 0;
    verdict = better ? 'faster' : 'slower';
  }
  return {
    name: base.name, unit: base.unit, higherIsBetter: base.higherIsBetter, baseMedian, newMedian, changePercent, p, exact,
    testable, standardErrorPercent, thresholdPercent, thresholdFrom, verdict,
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
function diffProfiles(base: EscalationProfile, next: EscalationProfile): {
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
  const newNoFigure = new Map((next.noFigure ?? []).map((r) => [r.name, r]));
  const baseNoFigure = new Map((base.noFigure ?? []).map((r) => [r.name, r]));
  const noFigureInNew = base.benchmarks.flatMap((b) => {
    const r = newNoFigure.get(b.name);
    if (r === undefined || newByName.has(b.name)) return [];
    return [{ name: b.name, why: r.why, planned: r.planned, hidesVerdict: smallestP(b.samples.length, r.planned) < options.alpha }];
  });
  const onlyInBase = base.benchmarks.map((b) => b.name).filter((name) => !newByName.has(name) && !newNoFigure.has(name));
  return {
    options, benchmarks,
    onlyInBase,
    onlyInNew: next.benchmarks.map((b) => b.name).filter((name) => !baseNames.has(name) && !baseNoFigure.has(name)),
    noFigureInNew,
    noFigureInBase: [...baseNoFigure.values()].filter((r) => newByName.has(r.name) || newNoFigure.has(r.name)).map((r) => ({ name: r.name, why: r.why })),
    incomparable,
    profileChanges: profile.changes, profileOnlyInBase: profile.onlyInBase, profileOnlyInNew: profile.onlyInNew,
    slower, faster,
    // A benchmark that stopped being measured hides whatever it would have shown: a regression;
    // so does one measured without a figure where its planned samples could have given a verdict.
    exitCode: slower > 0 || profile.changes.length > 0 || onlyInBase.length > 0 || noFigureInNew.some((x) => x.hidesVerdict) ? 1 : 0,
  };
}
