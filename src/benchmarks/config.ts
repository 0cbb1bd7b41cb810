/**
 * What a suite run measures and for how long: `tcesim bench` uses quickConfig() or
 * fullConfig(); tests pass a tiny config of their own (a few rows, short times), and may slow
 * chosen rows down on purpose to check that a comparison catches it.
 */
import type { Mode } from '../papr/tiers.js';
import { speedSettings, type SpeedSettings } from './speed-rows.js';
import type { CostTable } from '../pipeline/costs.js';
import { defaultRunOptions } from '../pipeline/run-options.js';
import type { JsonValue } from '../regression/format.js';

export interface MicroSettings {
  /** tinybench time budget per row, ms. */
  readonly timeMs: number;
  readonly warmupMs: number;
  /**
   * Most calls in one tinybench sample (a batch): batching keeps its ~55 ns per-sample overhead
   * out of the figure. The vCPU-step rows' event ring is sized for it.
   */
  readonly batch: number;
  /**
   * How long one batch should take, us: each row's calls per batch are sized to it from a timed
   * pass after the warm-up (at most `batch`). Equal durations matter for the ratio to the store,
   * timed in pairs of batches: a 1.4 ms INDIRECT batch beside a 40 us store batch is preempted
   * far more often than its partner on a loaded machine, and its ratio read 32-86 from one
   * process to the next; a cheap row gets more calls per batch, so the clock's own cost and
   * resolution stay far below the figure.
   */
  readonly batchUs: number;
  /**
   * Worker processes the rows run in, one after another (micro-process.ts): each gives one
   * figure per row, and a comparison judges the variation between processes. At least 4, so a
   * difference can reach p < 0.05 with the Mann-Whitney test.
   */
  readonly processes: number;
  /**
   * At least this many samples (batches) per row in each process, however long it takes: on a
   * loaded machine a process gets a fraction of a core, and a time budget alone would leave it
   * a handful of batches, too few for its fastest to be a steady figure.
   */
  readonly minSamples: number;
}

export interface PipelineSettings {
  /** Runs of every workload x mode x vCPU count, round-robin so drift spreads over all. */
  readonly repeats: number;
  readonly vcpuCounts: readonly number[];
  /**
   * Wall-clock each full run aims at (ms), from the profile's share of calls that leave the
   * vCPU thread (~60 us each) and those answered on it (~1 us); deterministic for a profile.
   */
  readonly targetMs: number;
  /** Bounds on one run's calls over all vCPUs. */
  readonly minCalls: number;
  readonly maxCalls: number;
  /** Bare round trips of each kind timed at the start of every repeat. */
  readonly trips: number;
  readonly seed: number;
  /** Fixed calls per vCPU by mode, instead of sizing runs by targetMs (bench/pipeline.bench.ts's flags). */
  readonly callsPerVcpuByMode?: Readonly<Partial<Record<Mode, number>>>;
}

export interface ProfileSettings {
  readonly vcpus: number;
  readonly callsPerVcpu: number;
  readonly seed: number;
  /** Event ring size of the profile's inline runs; a small ring makes real mode give up with log-full. */
  readonly ringRecords: number;
}

/** Test hook: the in-thread rows whose name matches made `percent` slower (a busy-wait in each timed batch, batch.ts). */
export interface DelaySettings {
  readonly rows: RegExp;
  readonly percent: number;
}

export interface SuiteConfig {
  readonly quick: boolean;
  /** Only benchmarks whose name matches run, with the bare limits they are ratios to; null: all. */
  readonly filter: RegExp | null;
  readonly micro: MicroSettings;
  readonly pipeline: PipelineSettings;
  /** The same in quick and full runs, so any two bench files have comparable profiles. */
  readonly profile: ProfileSettings;
  readonly delay: DelaySettings | null;
  /** Samples and run sizes of the speed rows (src/benchmarks/speed-rows.ts). */
  readonly speed: SpeedSettings;
  /** Cost-table overrides for every run (they change modelled figures, never paths). */
  readonly costs: Partial<CostTable>;
}

/** 2 vCPUs x 4000 calls, seed 1, the event ring of `tcesim run` (a smaller one would make real mode give up with log-full). */
const DEFAULT_PROFILE: ProfileSettings = { vcpus: 2, callsPerVcpu: 4000, seed: 1, ringRecords: defaultRunOptions().ringRecords };

/**
 * Under a minute on a 2-core machine (it was 155 s, two thirds of it 108 threaded pipeline
 * runs). What a quick run is for: the in-thread rows, judged by `compare` on many short worker
 * processes (the spread between processes, not a long run in one, is what a verdict needs);
 * every workload and mode through the threaded pipeline once with 1 vCPU, whose modelled
 * figures are exact and compared exactly (its wall-clock figures, one sample each, are printed
 * but never get a verdict: a full run has the repeats for that, and the 2-vCPU runs); and each
 * speed row once, on shorter runs.
 */
export function quickConfig(): SuiteConfig {
  return {
    quick: true,
    filter: null,
    micro: { timeMs: 30, warmupMs: 10, batch: 8000, batchUs: 100, processes: 10, minSamples: 30 },
    pipeline: { repeats: 1, vcpuCounts: [1], targetMs: 15, minCalls: 400, maxCalls: 400_000, trips: 500, seed: 1 },
    profile: DEFAULT_PROFILE,
    delay: null,
    speed: { ...speedSettings(true), traceCalls: 100_000 },
    costs: {},
  };
}

/** A few minutes: 16 worker processes for the in-thread rows, 5 repeats, so a pipeline figure can reach significance. */
export function fullConfig(): SuiteConfig {
  return {
    quick: false,
    filter: null,
    micro: { timeMs: 300, warmupMs: 100, batch: 8000, batchUs: 100, processes: 16, minSamples: 200 },
    pipeline: { repeats: 5, vcpuCounts: [1, 2], targetMs: 400, minCalls: 2000, maxCalls: 2_000_000, trips: 2000, seed: 1 },
    profile: DEFAULT_PROFILE,
    delay: null,
    speed: speedSettings(false),
    costs: {},
  };
}

/** The settings as the bench file records them. */
export function configRecord(c: SuiteConfig): { readonly [key: string]: JsonValue } {
  const costs: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.costs)) if (typeof v === 'number') costs[k] = v;
  return {
    quick: c.quick,
    filter: c.filter === null ? null : c.filter.source,
    micro: { ...c.micro },
    pipeline: {
      ...c.pipeline, vcpuCounts: [...c.pipeline.vcpuCounts],
      callsPerVcpuByMode: c.pipeline.callsPerVcpuByMode === undefined ? null : { ...c.pipeline.callsPerVcpuByMode },
    },
    profile: { ...c.profile },
    delay: c.delay === null ? null : { rows: c.delay.rows.source, percent: c.delay.percent },
    speed: { ...c.speed },
    costs,
  };
}
