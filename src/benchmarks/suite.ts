/**
 * The benchmark suite, as one call: which parts to run (planSuite), then the escalation
 * profile, the in-thread rows, the threaded pipeline with its bare round trips, and the
 * acceleration gain, gathered into a bench file (src/regression/format.ts).
 */
import { defaultCosts, withCosts, type CostTable } from '../pipeline/costs.js';
import { BENCH_FORMAT, BENCH_VERSION, type BenchFile, type BenchmarkRecord, type ProfileRun } from '../regression/format.js';
import { median } from '../regression/statistics.js';
import type { WorkloadSpec } from '../workload/workload.js';
import { configRecord, type SuiteConfig } from './config.js';
import { gitInfo, machineInfo } from './machine-info.js';
import { runMicroProcesses } from './micro-process.js';
import {
  PIPELINE_METRICS, callsPerVcpu, combos, comboName, pipelineRowName, runPipeline, type Combo, type ComboRepeat, type PipelineMetric,
  type PipelineOutcome,
} from './pipeline.js';
import { escalationProfile } from './profile.js';
import { BARE_STORE_ROW, REALMODE_ROW_NAMES, realmodeRows } from './realmode-rows.js';
import { benchmarkRecord } from './records.js';
import { runSpeedRows, speedRowNames, type SpeedOutcome } from './speed-rows.js';
import { suiteWorkloads, type SkippedWorkload } from './workloads.js';

const BARE_A_ROW = 'bare A: worker message round trip';
const BARE_B_ROW = 'bare B: piscina no-op task round trip';
const GAIN_WORKLOAD = 'nic';
const GAIN_MODELLED_ROW = `gain ${GAIN_WORKLOAD} realmode/userspace 1vcpu modelled MB/s`;
const GAIN_WALL_ROW = `gain ${GAIN_WORKLOAD} realmode/userspace 1vcpu wall MB/s`;

/**
 * Smallest change worth a verdict, percent, for wall-clock figures that cross threads: a
 * thread wake-up costs several times more on an idle core than on a busy one (the bare worker
 * round trip measured 16 us with the other core busy, 63 us with it idle), so such figures
 * move by a factor with the load, not by percents (ecosystem-notes §3.2: x2-3).
 */
const CROSS_THREAD_MIN_THRESHOLD = 100;
/** The same for modelled figures of workloads whose vCPUs share a table (paths depend on timing). */
const SHARED_TABLE_MIN_THRESHOLD = 25;

export interface SuitePlan {
  readonly runnable: readonly WorkloadSpec[];
  readonly skipped: readonly SkippedWorkload[];
  /** Every benchmark this suite can produce here, before the filter. */
  readonly names: readonly string[];
  /** In-thread rows to run (the bare locked store joins whenever anything runs: the ratios need it). */
  readonly microRows: readonly string[];
  readonly combos: readonly Combo[];
  readonly bare: boolean;
  readonly gain: boolean;
  /** Whether the filter matched at least one benchmark. */
  readonly anySelected: boolean;
}

function gainCombos(all: readonly Combo[]): Combo[] {
  return all.filter((c) => c.workload === GAIN_WORKLOAD && c.vcpus === 1 && (c.mode === 'realmode' || c.mode === 'userspace'));
}

export function planSuite(config: SuiteConfig): SuitePlan {
  const { runnable, skipped } = suiteWorkloads([...new Set([...config.pipeline.vcpuCounts, config.profile.vcpus])]);
  const all = combos(runnable, config.pipeline.vcpuCounts);
  const hasGain = gainCombos(all).length === 2;
  const names = [
    ...REALMODE_ROW_NAMES,
    ...all.flatMap((c) => PIPELINE_METRICS.map((m) => pipelineRowName(c, m))),
    ...(all.length > 0 ? [BARE_A_ROW, BARE_B_ROW] : []),
    ...(hasGain ? [GAIN_MODELLED_ROW, GAIN_WALL_ROW] : []),
    ...speedRowNames(),
  ];
  // Without the g and y flags: test() would otherwise carry lastIndex from one name to the next.
  const f = config.filter === null ? null : new RegExp(config.filter.source, config.filter.flags.replace(/[gy]/g, ''));
  const wanted = (name: string): boolean => f === null || f.test(name);
  const gain = hasGain && (wanted(GAIN_MODELLED_ROW) || wanted(GAIN_WALL_ROW));
  const chosen = all.filter((c) => PIPELINE_METRICS.some((m) => wanted(pipelineRowName(c, m))) || (gain && gainCombos(all).includes(c)));
  const micro = REALMODE_ROW_NAMES.filter((n) => wanted(n));
  const microRows = micro.length > 0 || chosen.length > 0
    ? REALMODE_ROW_NAMES.filter((n) => micro.includes(n) || n === BARE_STORE_ROW)
    : [];
  return {
    runnable, skipped, names, microRows, combos: chosen,
    bare: chosen.length > 0 || (all.length > 0 && (wanted(BARE_A_ROW) || wanted(BARE_B_ROW))),
    gain,
    anySelected: names.some(wanted),
  };
}

/** An in-thread row: its record (one figure per worker process) and what the table prints beside it. */
export interface MicroResult {
  readonly record: BenchmarkRecord;
  readonly entriesPerCall: number;
  /** tinybench samples over all processes. */
  readonly samples: number;
}

/**
 * Smallest change worth a verdict for an in-thread row's absolute ns/call: from one bench run
 * to the next on a loaded machine it moved by up to 35% (H_GET_TCE, two self-comparisons at
 * loadavg 13 on 2 cores), as the load slows whole processes. The row's ratio to the bare store
 * measured in the same process cancels that (0.1% apart in the same runs), and is the figure
 * judged at the threshold; the absolute one only catches a change by a factor.
 */
const ABSOLUTE_MIN_THRESHOLD = 100;

export function storeRatioRow(row: string): string {
  return `${row} / bare store`;
}

export interface SuiteOutput {
  readonly file: BenchFile;
  readonly plan: SuitePlan;
  readonly micro: readonly MicroResult[];
  readonly pipeline: PipelineOutcome | null;
  /** The speed rows (src/benchmarks/speed-rows.ts), or null when none was chosen. */
  readonly speed?: SpeedOutcome | null;
  /** Wall-clock seconds each part took, in the order they ran (parts that did not run are absent). */
  readonly seconds?: Readonly<Record<string, number>>;
}

export function suiteCosts(config: SuiteConfig): CostTable {
  const over: Record<string, number> = {};
  for (const [k, v] of Object.entries(config.costs)) if (typeof v === 'number') over[k] = v;
  return withCosts(defaultCosts(), over, 'costs');
}

const METRIC_UNITS: Readonly<Record<PipelineMetric, { unit: string; higherIsBetter: boolean }>> = {
  'steady us/call': { unit: 'us/call', higherIsBetter: false },
  'modelled calls/s': { unit: 'calls/s', higherIsBetter: true },
  'modelled MB/s': { unit: 'MB/s', higherIsBetter: true },
  'x bare': { unit: 'x', higherIsBetter: false },
};

function metricSamples(repeats: readonly ComboRepeat[], m: PipelineMetric): number[] {
  const pick = (r: ComboRepeat): number => {
    switch (m) {
      case 'steady us/call': return r.steadyUsPerCall;
      case 'modelled calls/s': return r.modelledCallsPerSec;
      case 'modelled MB/s': return r.modelledMBPerSec;
      case 'x bare': return r.xBare;
      default: {
        const never: never = m;
        throw new Error(`unknown metric ${String(never)}`);
      }
    }
  };
  return repeats.map(pick).filter((x) => Number.isFinite(x));
}

/** Wall-clock MB/s of a repeat: bytes per call over the steady time per call. */
export function wallMBPerSec(r: ComboRepeat): number {
  return r.bytesPerCall / r.steadyUsPerCall;
}

/** Runs the suite; `progress` hears one line as each step starts. */
export async function runSuite(config: SuiteConfig, progress: (line: string) => void = () => undefined): Promise<SuiteOutput> {
  const date = new Date().toISOString();
  const machine = machineInfo();
  const git = gitInfo();
  const costs = suiteCosts(config);
  const plan = planSuite(config);
  const notes: string[] = [];
  const seconds: Record<string, number> = {};
  let mark = performance.now();
  const took = (part: string): void => {
    const now = performance.now();
    seconds[part] = (now - mark) / 1000;
    mark = now;
  };

  // The in-thread rows first: the profile's inline runs would train the handlers they time on
  // every other kind of call, and the rows would measure that instead.
  const benchmarks: BenchmarkRecord[] = [];
  const micro: MicroResult[] = [];
  if (plan.microRows.length > 0) {
    const rows = realmodeRows(costs, config.micro.batch).filter((r) => plan.microRows.includes(r.name));
    const measured = await runMicroProcesses(rows.map((r) => r.name), config.micro, config.delay, costs, config.micro.processes, progress);
    if (measured.threads > 0) {
      notes.push(`${measured.threads} of ${measured.processes} in-thread runs could not start a process (ENOMEM) and ran in a worker thread of their own`);
    }
    for (const row of rows) {
      const perProcess = measured.perProcess.get(row.name) ?? [];
      const record = benchmarkRecord(row.name, 'realmode', 'ns/call', false, ABSOLUTE_MIN_THRESHOLD, perProcess);
      micro.push({ record, entriesPerCall: row.entriesPerCall, samples: measured.samples.get(row.name) ?? 0 });
      benchmarks.push(record);
      const ratios = measured.storeRatios.get(row.name);
      // The ratio in each process to the store timed back to back with the row in that process.
      // No minimum of its own: compare judges it against the spread between its processes.
      if (ratios !== undefined) benchmarks.push(benchmarkRecord(storeRatioRow(row.name), 'realmode', 'x store', false, 0, ratios));
    }
  }

  if (plan.microRows.length > 0) took('in-thread');
  progress('escalation profile (inline runs)');
  const profile = escalationProfile(config.profile, plan.runnable, costs, plan.skipped);
  for (const s of profile.skipped) notes.push(`workload ${s.workload} skipped: ${s.reason}`);
  took('profile');
  const profiled = new Map<string, ProfileRun>(profile.runs.map((r) => [`${r.workload} ${r.mode}`, r]));
  const left = new Set(profile.skipped.map((s) => s.workload));

  let pipeline: PipelineOutcome | null = null;
  const list = plan.combos.filter((c) => !left.has(c.workload));
  if (list.length > 0 || plan.bare) {
    const store = micro.find((m) => m.record.name === BARE_STORE_ROW);
    const sized = list.map((combo) => ({ combo, callsPerVcpu: callsPerVcpu(combo, profiled.get(`${combo.workload} ${combo.mode}`), config.pipeline) }));
    pipeline = await runPipeline(sized, config.pipeline, costs, store?.record.summary.median ?? null, progress);
    for (const res of pipeline.combos) {
      const c = res.combo;
      const negative = res.repeats.filter((r) => !(r.steadyUsPerCall > 0)).length;
      if (negative > 0) notes.push(`${comboName(c)}: ${negative} repeat(s) with no positive time per call (noise)`);
      for (const m of PIPELINE_METRICS) {
        const samples = metricSamples(res.repeats, m);
        if (samples.length === 0) continue;
        const { unit, higherIsBetter } = METRIC_UNITS[m];
        const modelled = m === 'modelled calls/s' || m === 'modelled MB/s';
        const min = modelled ? (c.sharesTables ? SHARED_TABLE_MIN_THRESHOLD : 0) : CROSS_THREAD_MIN_THRESHOLD;
        // A modelled figure of a workload whose vCPUs share no table is exact for the seed, even from one run.
        benchmarks.push(benchmarkRecord(pipelineRowName(c, m), 'pipeline', unit, higherIsBetter, min, samples, String(res.callsPerVcpu), modelled && !c.sharesTables));
      }
    }
    // One sample per repeat, the median of its trips: the trips of one repeat are timed within a
    // second of each other and share its load, so they are one observation, not hundreds
    // (compare would find a 1% difference between two repeats "significant").
    if (pipeline.trips.length > 0) {
      benchmarks.push(benchmarkRecord(BARE_A_ROW, 'bare', 'us', false, CROSS_THREAD_MIN_THRESHOLD, pipeline.trips.map((t) => median(t.a))));
      benchmarks.push(benchmarkRecord(BARE_B_ROW, 'bare', 'us', false, CROSS_THREAD_MIN_THRESHOLD, pipeline.trips.map((t) => median(t.b))));
    }
    if (plan.gain) {
      const find = (mode: string) => pipeline?.combos.find((r) => r.combo.workload === GAIN_WORKLOAD && r.combo.vcpus === 1 && r.combo.mode === mode);
      const rm = find('realmode');
      const us = find('userspace');
      if (rm !== undefined && us !== undefined) {
        const ratios = (pick: (r: ComboRepeat) => number): number[] =>
          rm.repeats.map((r, i) => pick(r) / pick(us.repeats[i] as ComboRepeat)).filter((x) => Number.isFinite(x));
        const modelled = ratios((r) => r.modelledMBPerSec);
        const wall = ratios(wallMBPerSec);
        const size = `${rm.callsPerVcpu}/${us.callsPerVcpu}`;
        if (modelled.length > 0) benchmarks.push(benchmarkRecord(GAIN_MODELLED_ROW, 'gain', 'x', true, 0, modelled, size, !rm.combo.sharesTables));
        if (wall.length > 0) benchmarks.push(benchmarkRecord(GAIN_WALL_ROW, 'gain', 'x', true, CROSS_THREAD_MIN_THRESHOLD, wall, size));
      }
    }
    took('pipeline');
  }
  const wantedRow = (name: string): boolean => config.filter === null || new RegExp(config.filter.source, config.filter.flags.replace(/[gy]/g, '')).test(name);
  const speed = speedRowNames().some(wantedRow) ? await runSpeedRows(config.speed, wantedRow, progress) : null;
  if (speed !== null) {
    benchmarks.push(...speed.records);
    took('speed');
  }
  if (config.filter !== null) notes.push(`filter /${config.filter.source}/: ${benchmarks.length} benchmark(s) of ${plan.names.length}`);

  const file: BenchFile = {
    format: BENCH_FORMAT, version: BENCH_VERSION, date, machine, node: process.version, git,
    options: configRecord(config), benchmarks, noFigure: speed?.noFigure ?? [], profile, notes,
  };
  return { file, plan, micro, pipeline, speed, seconds };
}

/** Median of a combination's figure over its repeats (NaN when it has none). */
export function comboMedian(repeats: readonly ComboRepeat[], pick: (r: ComboRepeat) => number): number {
  return median(repeats.map(pick).filter((x) => Number.isFinite(x)));
}
