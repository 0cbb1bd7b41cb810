/**
 * How fast tcesim runs (issue 13), in one run: the thread hops beside the bare round trips
 * they stand on, the threaded pipeline's calls per second in the modes whose calls leave the
 * vCPU thread, and the replay of a 400k-call real-shaped trace in every mode. Rows of
 * `tcesim bench` (part "speed") and of bench/speed.bench.ts.
 *
 * Every figure here is wall-clock on a shared machine: quote it with the load it ran under
 * (the table prints the share of the run's core-watch samples that found more runnable
 * threads than cores — while that is so, no thread polls and a hop is a futex hop).
 */
import { Bench } from 'tinybench';
import { readFileSync } from 'node:fs';
import type { Mode } from '../papr/tiers.js';
import { DEFAULT_POLL_US } from '../shared-memory/halt-poll.js';
import { HOP_NAMES, HOP_TO_POOL, HOP_TO_VCPU, HOP_VCPU_TO_USER } from '../pipeline/hop-times.js';
import { defaultRunOptions, type RunOptions } from '../pipeline/run-options.js';
import type { RunResult } from '../pipeline/run-result.js';
import type { UserLoopSettings } from '../pipeline/user-loop.js';
import { runThreaded } from '../pipeline/threaded-run.js';
import type { BenchmarkRecord, NoFigureRecord } from '../regression/format.js';
import { median } from '../regression/statistics.js';
import { formatFigure, textTable } from '../regression/text-table.js';
import { FALLBACK, parseTraceBytes } from '../trace/trace-bytes.js';
import { parseTraceLine } from '../trace/trace-line.js';
import { TRACE_WORKLOAD } from '../trace/trace-workload.js';
import { hopTrips } from './hop-trips.js';
import { benchmarkRecord } from './records.js';
import { SAMPLE_TRACE, benchTrace, replayCommandMs } from './trace-file.js';

const HOP_SPIN_ROW = 'hop: bare spin round trip';
const HOP_FUTEX_ROW = 'hop: bare futex round trip';
const hopRow = (pollUs: number): string => `hop: hand-off round trip poll-us=${pollUs}`;
/** A hop of a real run (src/pipeline/hop-times.ts): one way, from the sender's store to the receiver seeing it. */
const inRunHopRow = (mode: Mode, hop: string): string => `hop: in a ${mode} 1vcpu run, ${hop} one way`;
const callsRow = (mode: Mode, vcpus: number, pollUs: number, asyncMain = false): string =>
  `speed nic ${mode} ${vcpus}vcpu poll-us=${pollUs}${asyncMain ? ' main-waits-async' : ''} steady calls/s`;
/** The main thread woken through its event loop for every userspace call, as before src/pipeline/user-loop.ts. */
const ASYNC_MAIN: Partial<UserLoopSettings> = { idleSlices: 0 };
const replayRow = (mode: Mode): string => `speed trace replay ${mode} end-to-end calls/s`;
/** The replay as a user waits for it: the whole command, its own process (trace-file.ts replayCommandMs). */
const REPLAY_COMMAND_ROW = 'speed trace replay realmode command calls/s';
const PARSE_BYTES_ROW = 'speed trace parse bytes ns/line';
const PARSE_TEXT_ROW = 'speed trace parse text ns/line';

const HOP_MODES: readonly Mode[] = ['virtmode', 'userspace'];
/** vCPUs, poll-us and whether the main thread waits asynchronously, of each calls/s row of a mode. */
function runConfigs(mode: Mode): [number, number, boolean][] {
  return [
    ...VCPU_COUNTS.map((v): [number, number, boolean] => [v, DEFAULT_POLL_US, false]), [1, 0, false],
    ...(mode === 'userspace' ? [[1, DEFAULT_POLL_US, true] as [number, number, boolean]] : []),
  ];
}
/**
 * The hops a call makes in a run of each mode on nic: virtual mode answers the vCPU itself; in
 * mode userspace the vCPU queues the call for the main thread directly (no pool in between).
 */
const MODE_HOPS: Readonly<Record<Mode, readonly number[]>> = {
  realmode: [HOP_TO_POOL, HOP_TO_VCPU], virtmode: [HOP_TO_POOL, HOP_TO_VCPU], userspace: [HOP_VCPU_TO_USER, HOP_TO_VCPU],
};
const hopsOf = (mode: Mode): string[] => MODE_HOPS[mode].map((h) => HOP_NAMES[h] as string);
const VCPU_COUNTS = [1, 2, 4];
const REPLAY_MODES: readonly Mode[] = ['realmode', 'virtmode', 'userspace'];

export interface SpeedSettings {
  readonly repeats: number;
  readonly trips: number;
  /**
   * Calls of a virtmode or userspace nic run, its vCPUs together: enough that the run is
   * mostly steady state (JIT warm-up and the first garbage collections over) when a call
   * takes about 10 us, not so many that the futex-bound rows (poll-us 0, main waits async)
   * make bench --quick slow.
   */
  readonly hopCalls: number;
  /** Calls of a trace replay that leaves the vCPU thread (realmode replays the whole trace). */
  readonly replayHopCalls: number;
  readonly traceCalls: number;
}

export function speedSettings(quick: boolean): SpeedSettings {
  return quick
    ? { repeats: 1, trips: 1000, hopCalls: 20_000, replayHopCalls: 20_000, traceCalls: 400_000 }
    : { repeats: 3, trips: 4000, hopCalls: 60_000, replayHopCalls: 100_000, traceCalls: 400_000 };
}

export function speedRowNames(): string[] {
  return [
    HOP_SPIN_ROW, HOP_FUTEX_ROW, hopRow(0), hopRow(DEFAULT_POLL_US), ...HOP_MODES.flatMap((m) => hopsOf(m).map((h) => inRunHopRow(m, h))),
    ...HOP_MODES.flatMap((m) => runConfigs(m).map(([v, p, a]) => callsRow(m, v, p, a))),
    ...REPLAY_MODES.map(replayRow), REPLAY_COMMAND_ROW, PARSE_BYTES_ROW, PARSE_TEXT_ROW,
  ];
}

export interface SpeedOutcome {
  readonly records: readonly BenchmarkRecord[];
  /** Rows asked for that noise left without a figure (the bench file lists them, compare says so). */
  readonly noFigure: readonly NoFigureRecord[];
  /** Share of core-watch samples that found the machine crowded during the polling hop row. */
  readonly crowdedShare: number;
  readonly lines: readonly string[];
}

async function callsPerSec(o: RunOptions): Promise<number> {
  const r = await runThreaded(o);
  return (o.calls * o.vcpus * 1000) / r.wallMs;
}

/**
 * Steady calls/s, measured directly inside one run (RunResult.steadyCallsPerSec): the calls
 * made after each vCPU's first quarter, over the time from the first quarter mark to the last
 * vCPU's end, so thread start-up and JIT warm-up drop out. (It was the slope between a run and
 * one of a quarter as many: a difference of two noisy times, which gave a figure several times
 * too high whenever the short run's start-up was slow.) NaN when the run gave none.
 */
async function steadyCallsPerSec(o: RunOptions, user: Partial<UserLoopSettings> = {}): Promise<{ callsPerSec: number; long: RunResult }> {
  const long = await runThreaded(o, undefined, undefined, {}, user);
  return { callsPerSec: long.steadyCallsPerSec ?? NaN, long };
}

function parseRows(timeMs: number): BenchmarkRecord[] {
  const bytes = readFileSync(SAMPLE_TRACE);
  const bounds: number[] = [];
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10) {
      bounds.push(from, i);
      from = i + 1;
    }
  }
  const texts = bounds.filter((_, i) => i % 2 === 0).map((b, i) => bytes.toString('latin1', b, bounds[2 * i + 1]));
  const lines = texts.length;
  let sink = 0;
  const bench = new Bench({ name: 'trace parse', time: timeMs, warmupTime: timeMs / 4, throws: true, retainSamples: true });
  bench.add(PARSE_BYTES_ROW, () => {
    for (let i = 0; i < bounds.length; i += 2) {
      const e = parseTraceBytes(bytes, bounds[i] as number, bounds[i + 1] as number);
      if (e !== null && e !== FALLBACK) sink++;
    }
  });
  bench.add(PARSE_TEXT_ROW, () => {
    for (const t of texts) if (parseTraceLine(t) !== null) sink++;
  });
  const out: BenchmarkRecord[] = [];
  bench.runSync();
  for (const name of [PARSE_BYTES_ROW, PARSE_TEXT_ROW]) {
    const res = bench.getTask(name)?.result;
    if (res === undefined || res.state !== 'completed') throw new Error(`${name}: ${res?.state ?? 'missing'}`);
    const samples = (res.latency.samples ?? []).map((ms) => (ms * 1e6) / lines);
    out.push(benchmarkRecord(name, 'speed', 'ns/line', false, 20, samples));
  }
  if (sink < 0) throw new Error('unreachable');
  return out;
}

/** Runs the rows `wanted` picks; `progress` hears each step. */
export async function runSpeedRows(
  s: SpeedSettings, wanted: (name: string) => boolean, progress: (line: string) => void = () => undefined,
): Promise<SpeedOutcome> {
  const records: BenchmarkRecord[] = [];
  const noFigure: NoFigureRecord[] = [];
  const lines: string[] = [];
  let crowdedShare = 0;
  // The bare rows run in rounds (spin, futex, hand-off off, on; again), so a burst of load
  // from elsewhere falls on every row alike rather than on one.
  const bare: readonly [string, () => Promise<{ times: Float64Array; crowdedShare: number }>][] = [
    [HOP_SPIN_ROW, () => hopTrips('spin', s.trips)],
    [HOP_FUTEX_ROW, () => hopTrips('futex', s.trips)],
    [hopRow(0), () => hopTrips('handoff', s.trips, 0)],
    [hopRow(DEFAULT_POLL_US), () => hopTrips('handoff', s.trips, DEFAULT_POLL_US)],
  ];
  const bareTimes = new Map<string, number[]>();
  for (let r = 0; r < Math.max(3, s.repeats); r++) {
    for (const [name, f] of bare) {
      if (!wanted(name)) continue;
      if (r === 0) progress(name);
      const t = await f();
      const all = bareTimes.get(name) ?? [];
      for (const x of t.times) all.push(x);
      bareTimes.set(name, all);
      if (name === hopRow(DEFAULT_POLL_US)) crowdedShare = Math.max(crowdedShare, t.crowdedShare);
    }
  }
  const hopUs = new Map<string, number>();
  for (const [name] of bare) {
    const all = bareTimes.get(name);
    if (all === undefined) continue;
    records.push(benchmarkRecord(name, 'speed', 'us', false, 100, all));
    hopUs.set(name, median(all));
  }
  const spin = hopUs.get(HOP_SPIN_ROW) ?? NaN;
  const futex = hopUs.get(HOP_FUTEX_ROW) ?? NaN;
  /** In-run hop medians of each 1-vCPU run (poll-us default), per row. */
  const inRun = new Map<string, number[]>();

  const base: RunOptions = { ...defaultRunOptions(), workload: 'nic', seed: 1 };
  const runRows: string[][] = [];
  for (const mode of HOP_MODES) {
    for (const [vcpus, pollUs, asyncMain] of runConfigs(mode)) {
      const name = callsRow(mode, vcpus, pollUs, asyncMain);
      const hopRows = vcpus === 1 && pollUs === DEFAULT_POLL_US && !asyncMain && hopsOf(mode).some((h) => wanted(inRunHopRow(mode, h)));
      if (!wanted(name) && !hopRows) continue;
      progress(name);
      const samples: number[] = [];
      const perVcpu = Math.ceil(s.hopCalls / vcpus);
      for (let r = 0; r < s.repeats; r++) {
        // A run that gave no steady rate (stopped before a quarter mark): try again, twice at most.
        let { callsPerSec, long } = await steadyCallsPerSec({ ...base, mode, vcpus, calls: perVcpu, pollUs }, asyncMain ? ASYNC_MAIN : {});
        for (let retry = 0; retry < 2 && !Number.isFinite(callsPerSec); retry++) {
          ({ callsPerSec, long } = await steadyCallsPerSec({ ...base, mode, vcpus, calls: perVcpu, pollUs }, asyncMain ? ASYNC_MAIN : {}));
        }
        if (Number.isFinite(callsPerSec)) samples.push(callsPerSec);
        if (vcpus !== 1 || pollUs !== DEFAULT_POLL_US || asyncMain) continue;
        for (const h of long.hops ?? []) {
          if (h.count === 0) continue;
          const row = inRunHopRow(mode, h.hop);
          inRun.set(row, [...(inRun.get(row) ?? []), h.medianUs]);
        }
      }
      if (!wanted(name)) continue;
      // A row noise left without a sample has no record (a record needs one): it is listed as having no figure.
      if (samples.length > 0) records.push(benchmarkRecord(name, 'speed', 'calls/s', true, 100, samples, String(perVcpu)));
      else noFigure.push({ name, group: 'speed', unit: 'calls/s', planned: s.repeats, why: `in each of ${s.repeats} repeat(s), 3 runs gave no steady rate (a vCPU stopped before its quarter mark)` });
      runRows.push([`nic ${mode}${asyncMain ? ' (main waits async)' : ''}`, String(vcpus), String(pollUs), String(perVcpu), samples.length > 0 ? formatFigure(median(samples)) : 'noise']);
    }
  }
  for (const mode of HOP_MODES) {
    for (const hop of hopsOf(mode)) {
      const row = inRunHopRow(mode, hop);
      const meds = inRun.get(row);
      if (!wanted(row)) continue;
      if (meds === undefined) {
        noFigure.push({ name: row, group: 'speed', unit: 'us', planned: s.repeats, why: 'no run timed this hop' });
        continue;
      }
      records.push(benchmarkRecord(row, 'speed', 'us', false, 100, meds, String(s.hopCalls)));
      hopUs.set(row, median(meds));
    }
  }
  if (hopUs.size > 0) {
    const crowdedNote = hopUs.has(hopRow(DEFAULT_POLL_US)) ? `; machine crowded (no polling) in ${(crowdedShare * 100).toFixed(0)}% of the polling row's samples` : '';
    lines.push('', `hops, median us: bare round trips between two worker threads, and each hop of a 1-vCPU run one way${crowdedNote}`);
    lines.push(textTable(['hop', 'median us', 'x bare spin', 'x bare futex'], [...hopUs].map(([name, us]) => [
      name, formatFigure(us), Number.isFinite(spin) ? (us / spin).toFixed(1) : '-', Number.isFinite(futex) ? (us / futex).toFixed(2) : '-',
    ]), [0]));
  }
  const trace = REPLAY_MODES.some((m) => wanted(replayRow(m))) || wanted(REPLAY_COMMAND_ROW) ? benchTrace(s.traceCalls) : null;
  for (const mode of REPLAY_MODES) {
    const name = replayRow(mode);
    if (trace === null || !wanted(name)) continue;
    progress(name);
    const calls = mode === 'realmode' ? trace.calls : Math.min(trace.calls, s.replayHopCalls);
    const samples: number[] = [];
    for (let r = 0; r < s.repeats; r++) {
      samples.push(await callsPerSec({ ...base, mode, vcpus: 1, calls, workload: TRACE_WORKLOAD, workloadParams: { file: trace.file } }));
    }
    records.push(benchmarkRecord(name, 'speed', 'calls/s', true, 100, samples, String(calls)));
    runRows.push([`trace replay ${mode}`, '1', String(DEFAULT_POLL_US), String(calls), formatFigure(median(samples))]);
  }
  if (trace !== null && wanted(REPLAY_COMMAND_ROW)) {
    progress(REPLAY_COMMAND_ROW);
    const samples: number[] = [];
    for (let r = 0; r < s.repeats; r++) samples.push((trace.calls * 1000) / replayCommandMs(trace.file, 'realmode'));
    records.push(benchmarkRecord(REPLAY_COMMAND_ROW, 'speed', 'calls/s', true, 100, samples, String(trace.calls)));
    runRows.push(['trace replay realmode, the whole command', '1', String(DEFAULT_POLL_US), String(trace.calls), formatFigure(median(samples))]);
  }
  if (runRows.length > 0) {
    lines.push('', 'speed: threaded runs, wall-clock calls/s (medians): nic rows steady (measured inside a run: the calls after each vCPU\'s first quarter over their time),',
      'trace replays end to end (the run\'s wall-clock from the go signal to the last call, thread start-up included),',
      'the whole command: `tcesim run --trace FILE --mode realmode` in its own process, spawn to exit (what a user waits: Node, modules, pre-scan, run, report)');
    lines.push(textTable(['run', 'vCPUs', 'poll-us', 'calls/vCPU', 'calls/s'], runRows, [0]));
  }
  if (wanted(PARSE_BYTES_ROW) || wanted(PARSE_TEXT_ROW)) {
    progress('trace parse');
    const parse = parseRows(s.repeats * 300);
    records.push(...parse);
    lines.push('', 'trace parsing (the sample trace, every line; tinybench): ' +
      parse.map((r) => `${r.name.replace('speed trace parse ', '')} ${formatFigure(r.summary.median)}`).join(', '));
  }
  return { records, noFigure, crowdedShare, lines };
}
