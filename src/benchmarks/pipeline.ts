/**
 * The threaded pipeline's throughput per workload, mode and vCPU count, next to the bare round
 * trips its calls stand on.
 *
 * result.wallMs counts from the go flag, so it also holds the vCPU threads' start-up (loading
 * their modules: 50-150 ms, varying with the load) and their JIT warm-up. The start-up is cut
 * off by watching the run's event stream for its first event (the first call entering; the
 * ring is drained every 2 ms): a run's active time is wallMs minus the time to it, and its time
 * per call is that over its calls, measured directly (a slope between a short and a full run
 * was a difference of two noisy figures and came out negative under load; the JIT warm-up now
 * stays in, a small share of a run sized to targetMs). Repeats go round-robin over
 * every combination, so drift on a shared machine spreads over all of them; the bare trips are
 * timed at the start of every repeat, so they see the same load as its runs.
 */
import { take } from 'rxjs';
import { MODES, type Mode } from '../papr/tiers.js';
import type { CostTable } from '../pipeline/costs.js';
import { RunLifecycle } from '../pipeline/run-events.js';
import { defaultRunOptions } from '../pipeline/run-options.js';
import { runThreaded } from '../pipeline/threaded-run.js';
import type { ProfileRun } from '../regression/format.js';
import { median } from '../regression/statistics.js';
import { runFigures } from '../report/report.js';
import { poolTrips, workerTrips } from './bare-trips.js';
import type { PipelineSettings } from './config.js';
import { leftVcpuShare } from './profile.js';

export interface Combo {
  readonly workload: string;
  readonly mode: Mode;
  readonly vcpus: number;
  /** Whether the workload's vCPUs share a table (then modelled figures depend on timing too). */
  readonly sharesTables: boolean;
}

export function comboName(c: { workload: string; mode: string; vcpus: number }): string {
  return `${c.workload} ${c.mode} ${c.vcpus}vcpu`;
}

/**
 * The figures each combination reports, as benchmark name suffixes. The wall-clock figure is
 * kept as time per call, not calls/s: a slope is a difference of two noisy times and can come
 * out near zero or below, and time per call stays monotone through that (calls/s would flip).
 */
export const PIPELINE_METRICS = ['steady us/call', 'modelled calls/s', 'modelled MB/s', 'x bare'] as const;
export type PipelineMetric = (typeof PIPELINE_METRICS)[number];

export function pipelineRowName(c: { workload: string; mode: string; vcpus: number }, metric: PipelineMetric): string {
  return `pipeline ${comboName(c)} ${metric}`;
}

export function combos(workloads: readonly { name: string; sharesTables: boolean }[], vcpuCounts: readonly number[]): Combo[] {
  const out: Combo[] = [];
  for (const w of workloads) {
    for (const vcpus of vcpuCounts) {
      for (const mode of MODES) out.push({ workload: w.name, mode, vcpus, sharesTables: w.sharesTables });
    }
  }
  return out;
}

/** Rough per-call wall-clock (us) of a call that leaves its vCPU thread, and of one answered on it: only to size runs. */
const LEFT_US = 60;
const LOCAL_US = 1;

/**
 * Calls per vCPU for a combination: the settings' fixed count for its mode if any; otherwise
 * enough for about targetMs of wall-clock, from the profile's share of calls that leave the
 * vCPU thread. Deterministic for a profile, so two bench runs with the same settings make the
 * same calls. A multiple of 4 (the short run makes a quarter).
 */
export function callsPerVcpu(c: Combo, profile: ProfileRun | undefined, s: PipelineSettings): number {
  const fixed = s.callsPerVcpuByMode?.[c.mode];
  if (fixed !== undefined) return Math.max(4, 4 * Math.ceil(fixed / 4));
  const left = c.mode === 'realmode' ? (profile === undefined ? 1 : leftVcpuShare(profile)) : 1;
  const estUs = left * LEFT_US + (1 - left) * LOCAL_US;
  const total = Math.min(s.maxCalls, Math.max(s.minCalls, Math.round((s.targetMs * 1000) / estUs)));
  return Math.max(4, 4 * Math.ceil(total / c.vcpus / 4));
}

/** One repeat of one combination. */
export interface ComboRepeat {
  /**
   * Wall-clock per call over all vCPUs (the inverse of throughput), us: the run's time after
   * thread start-up (from the first event) over its calls, measured directly, so always > 0.
   */
  readonly steadyUsPerCall: number;
  readonly modelledCallsPerSec: number;
  readonly modelledMBPerSec: number;
  /** Bytes mapped by successful calls, per call. */
  readonly bytesPerCall: number;
  /** Steady per-call time over what the calls' paths would cost at the bare limits; NaN when unknown. */
  readonly xBare: number;
  readonly fullWallMs: number;
  readonly answeredBy: Readonly<Record<string, number>>;
}

export interface ComboResult {
  readonly combo: Combo;
  readonly callsPerVcpu: number;
  readonly repeats: ComboRepeat[];
}

export interface RepeatTrips {
  /** Per-trip times, us. */
  readonly a: readonly number[];
  readonly b: readonly number[];
}

export interface PipelineOutcome {
  readonly combos: readonly ComboResult[];
  readonly trips: readonly RepeatTrips[];
}

async function runOnce(c: Combo, calls: number, seed: number, costs: CostTable) {
  const options = {
    ...defaultRunOptions(), mode: c.mode, workload: c.workload, workloadParams: {}, vcpus: c.vcpus, calls, seed, costs,
    keepRecords: false, log: null,
  };
  const lifecycle = new RunLifecycle();
  let started = 0;
  let firstEvent = 0;
  lifecycle.on('run-started', () => { started = performance.now(); });
  // Subscribed for the first event only: once it completes, the stream stops decoding records.
  const result = await runThreaded(options, lifecycle, (events$) => events$.pipe(take(1)).subscribe(() => { firstEvent = performance.now(); }));
  const f = runFigures(result.stats);
  const total = calls * c.vcpus;
  if (f.calls !== total) throw new Error(`${comboName(c)}: ${f.calls} of ${total} calls completed`);
  const mapped = result.vcpus.reduce((n, v) => n + v.mappedBytes, 0);
  const startUp = started > 0 && firstEvent > started ? Math.min(firstEvent - started, result.wallMs) : 0;
  return { wallMs: result.wallMs, activeMs: result.wallMs - startUp, figures: f, bytesPerCall: mapped / total };
}

/**
 * Runs every combination `settings.repeats` times, with the calls per vCPU given. `storeNs` is
 * the bare locked store's median (ns), or null when it did not run.
 */
export async function runPipeline(
  list: readonly { combo: Combo; callsPerVcpu: number }[], settings: PipelineSettings, costs: CostTable,
  storeNs: number | null, progress: (line: string) => void,
): Promise<PipelineOutcome> {
  const results: ComboResult[] = list.map((x) => ({ combo: x.combo, callsPerVcpu: x.callsPerVcpu, repeats: [] }));
  const trips: RepeatTrips[] = [];
  for (let r = 0; r < settings.repeats; r++) {
    const tag = `repeat ${r + 1}/${settings.repeats}`;
    progress(`${tag}: bare round trips`);
    const a = Array.from(await workerTrips(settings.trips), (ms) => ms * 1000);
    const b = Array.from(await poolTrips(settings.trips), (ms) => ms * 1000);
    trips.push({ a, b });
    const hopUs = median(a) + median(b);
    for (const res of results) {
      const c = res.combo;
      progress(`${tag}: ${comboName(c)}, ${res.callsPerVcpu.toLocaleString('en-US')} calls per vCPU`);
      // Measured directly on one run: its time after thread start-up over its calls (never a
      // difference of two noisy runs, which could come out negative).
      const full = await runOnce(c, res.callsPerVcpu, settings.seed, costs);
      const total = res.callsPerVcpu * c.vcpus;
      const steadyUs = (full.activeMs * 1000) / total;
      const answered = full.figures.answeredBy;
      const local = (answered['realmode'] ?? 0) / total;
      const bareUs = local > 0 && storeNs === null ? NaN : local * ((storeNs ?? 0) / 1000) + (1 - local) * hopUs;
      res.repeats.push({
        steadyUsPerCall: steadyUs,
        modelledCallsPerSec: full.figures.modelledCallsPerSec,
        modelledMBPerSec: full.figures.modelledMBPerSec,
        bytesPerCall: full.bytesPerCall,
        xBare: steadyUs / bareUs,
        fullWallMs: full.wallMs,
        answeredBy: answered,
      });
    }
  }
  return { combos: results, trips };
}
