/**
 * The threaded pipeline's throughput per mode, and what each thread hop costs next to the bare
 * round trip it stands on.
 *
 *   npm run build && node dist/bench/pipeline.bench.js           # full run (about 30 s)
 *   node dist/bench/pipeline.bench.js --quick                     # fewer calls and repeats (< 20 s)
 *   node dist/bench/pipeline.bench.js --json > pipeline.json      # stdout: one JSON object, no table
 *
 * Options: --repeats N (runs per mode, default 5), --realmode-calls N (default 1_000_000),
 * --hop-calls N (calls of a virtmode or userspace run, default 12_000), --trips N (timed bare
 * round trips of each kind per repeat, default 4000), --seed S (default 1), --quick, --json.
 *
 * 1. runThreaded, 1 vCPU, workload nic, no log, per mode: calls/s on the wall clock (calls over
 *    result.wallMs) and modelled (runFigures). result.wallMs counts from the go flag, so it also
 *    holds the vCPU and pool threads' start-up (about 100 ms, more when the first call waits for
 *    the pool) and their JIT warm-up: about a quarter of a 3000-call virtmode run. So each
 *    repeat also makes a run of a quarter of the calls, and the steady per-call time is the
 *    slope between the two: (wallMs(N) - wallMs(N/4)) / (3N/4). Repeats go round-robin over the
 *    modes, so drift on this shared 2-core VM spreads over all of them; every figure is the
 *    median of the repeats.
 * 2. The bare round trips the hops are made of, timed one trip at a time at the start of every
 *    repeat (so they see the same load as the runs), median and mean over all repeats' trips:
 *    A: a worker posts a message to the main thread, which wakes it with Atomics.store +
 *       Atomics.notify on the word it sleeps on (the vCPU <-> main transport);
 *    B: the main thread awaits pool.run() on a 1-thread piscina pool whose task returns at once.
 *    real->virtual hop: the steady per-call time of a virtmode run (every call goes vCPU -> main
 *    -> pool, the pool wakes the vCPU), next to A + B. virtual->userspace hop: the userspace
 *    run's steady per-call time minus the virtmode one (the pool passes the call back, the main
 *    thread runs the QEMU model and wakes the vCPU), next to B. Goal: each hop within 3x of the
 *    median of its bare round trip (the per-call times are means over a run).
 *
 * On this VM a thread wake-up costs several times more when the other core is idle than when
 * it is busy: the bare trips measured 50-60 us (A) alone and 13-18 us with a spinning process
 * on the other core. Quote figures with the loadavg printed at the start, and compare runs made
 * under the same load.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Mode } from '../src/papr/tiers.js';
import { defaultRunOptions } from '../src/pipeline/run-options.js';
import { runThreaded } from '../src/pipeline/threaded-run.js';
import { runFigures } from '../src/report/report.js';
import { ECHO_DONE, type EchoSetup } from './echo-worker.js';

const { values: opts } = parseArgs({
  options: {
    repeats: { type: 'string' },
    'realmode-calls': { type: 'string' },
    'hop-calls': { type: 'string' },
    trips: { type: 'string' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = opts.quick;
const REPEATS = positiveInt('--repeats', opts.repeats ?? (quick ? '3' : '5'));
const REALMODE_CALLS = positiveInt('--realmode-calls', opts['realmode-calls'] ?? (quick ? '200000' : '1000000'));
const HOP_CALLS = positiveInt('--hop-calls', opts['hop-calls'] ?? (quick ? '4000' : '12000'));
if (REALMODE_CALLS < 4 || HOP_CALLS < 4) throw new Error('--realmode-calls and --hop-calls must be at least 4 (the short run makes a quarter)');
const TRIPS = positiveInt('--trips', opts.trips ?? (quick ? '1000' : '4000'));
const SEED = Number(opts.seed);
if (!Number.isInteger(SEED) || SEED < 0 || SEED > 2 ** 32 - 1) throw new Error(`--seed ${opts.seed} must be an integer from 0 to 2^32-1`);
const GOAL = 3;
/** With --json, stdout carries only the JSON object; progress goes to stderr either way. */
const say = (line: string): void => { if (!opts.json) console.log(line); };
const progress = (line: string): void => { process.stderr.write(`${line}\n`); };

// --- 1. the pipeline, per mode ---

interface ModeRun { wallMs: number; wallCallsPerSec: number; modelledCallsPerSec: number; answeredBy: Readonly<Record<string, number>> }

async function runMode(mode: Mode, calls: number): Promise<ModeRun> {
  const options = { ...defaultRunOptions(), mode, workload: 'nic', vcpus: 1, calls, seed: SEED, keepRecords: false, log: null };
  const result = await runThreaded(options);
  const f = runFigures(result.stats);
  if (f.calls !== calls) throw new Error(`${mode}: ${f.calls} of ${calls} calls completed`);
  return { wallMs: result.wallMs, wallCallsPerSec: calls / (result.wallMs / 1000), modelledCallsPerSec: f.modelledCallsPerSec, answeredBy: f.answeredBy };
}

const MODE_CALLS: readonly (readonly [Mode, number])[] = [['realmode', REALMODE_CALLS], ['virtmode', HOP_CALLS], ['userspace', HOP_CALLS]];

// --- 2. the bare round trips ---

/** A: worker -> main message, main -> worker Atomics.store + notify. Per-trip times in ms. */
function bareWorkerTrip(trips: number): Promise<Float64Array> {
  const setup: EchoSetup = { word: new SharedArrayBuffer(4), warmup: Math.min(1000, trips), trips };
  const word = new Int32Array(setup.word);
  const w = new Worker(new URL('./echo-worker.js', import.meta.url), { workerData: setup });
  return new Promise((resolve, reject) => {
    w.on('message', (msg: number | Float64Array) => {
      if (typeof msg === 'number') {
        Atomics.store(word, 0, ECHO_DONE);
        Atomics.notify(word, 0);
        return;
      }
      void w.terminate();
      resolve(msg);
    });
    w.on('error', reject);
  });
}

/** B: await pool.run() on a 1-thread piscina pool with a task that returns at once. Per-trip times in ms. */
async function barePoolTrip(trips: number): Promise<Float64Array> {
  const pool = new Piscina<{ vcpu: number }, number>({
    filename: new URL('./noop-task.js', import.meta.url).href, minThreads: 1, maxThreads: 1, idleTimeout: 60_000,
  });
  const times = new Float64Array(trips);
  try {
    for (let i = 0; i < Math.min(1000, trips); i++) await pool.run({ vcpu: 0 });
    for (let i = 0; i < trips; i++) {
      const t0 = performance.now();
      await pool.run({ vcpu: 0 });
      times[i] = performance.now() - t0;
    }
  } finally {
    await pool.destroy();
  }
  return times;
}

// --- run ---

progress(`tcesim pipeline bench: node ${process.version}, availableParallelism ${os.availableParallelism()}, ` +
  `${os.cpus()[0]?.model ?? 'unknown cpu'}, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
progress(`${REPEATS} repeats; realmode ${REALMODE_CALLS} calls, virtmode/userspace ${HOP_CALLS} calls; 1 vCPU, nic, seed ${SEED}; ${TRIPS} bare trips of each kind per repeat`);

/** One repeat of a mode: the full run and the steady per-call time from it and a quarter-length run. */
interface Repeat { full: ModeRun; steadyUsPerCall: number }
const runs = new Map<Mode, Repeat[]>(MODE_CALLS.map(([m]) => [m, []]));
const tripsA: number[] = [];
const tripsB: number[] = [];
for (let r = 0; r < REPEATS; r++) {
  const a = await bareWorkerTrip(TRIPS);
  const b = await barePoolTrip(TRIPS);
  tripsA.push(...a);
  tripsB.push(...b);
  progress(`  repeat ${r + 1}/${REPEATS} bare trips: A median ${(median(a) * 1000).toFixed(2)} us, B median ${(median(b) * 1000).toFixed(2)} us`);
  for (const [mode, calls] of MODE_CALLS) {
    const short = Math.max(1, Math.floor(calls / 4));
    const shortRun = await runMode(mode, short);
    const full = await runMode(mode, calls);
    const steadyUsPerCall = ((full.wallMs - shortRun.wallMs) * 1000) / (calls - short);
    runs.get(mode)?.push({ full, steadyUsPerCall });
    progress(`  repeat ${r + 1}/${REPEATS} ${mode.padEnd(9)} ${fmt(short)} calls ${shortRun.wallMs.toFixed(0)} ms, ` +
      `${fmt(calls)} calls ${full.wallMs.toFixed(0)} ms: ${fmt(full.wallCallsPerSec)} calls/s, steady ${steadyUsPerCall.toFixed(2)} us/call`);
  }
}

const modes = MODE_CALLS.map(([mode, calls]) => {
  const rs = runs.get(mode) ?? [];
  const steadyUsPerCall = median(rs.map((x) => x.steadyUsPerCall));
  return {
    mode, calls,
    wallMs: median(rs.map((x) => x.full.wallMs)),
    wallCallsPerSec: median(rs.map((x) => x.full.wallCallsPerSec)),
    modelledCallsPerSec: median(rs.map((x) => x.full.modelledCallsPerSec)),
    /** wallMs / calls: start-up included. */
    usPerCall: median(rs.map((x) => (x.full.wallMs * 1000) / calls)),
    steadyUsPerCall,
    steadyCallsPerSec: 1e6 / steadyUsPerCall,
    answeredBy: rs[0]?.full.answeredBy ?? {},
    wallMsRepeats: rs.map((x) => x.full.wallMs),
    steadyUsPerCallRepeats: rs.map((x) => x.steadyUsPerCall),
  };
});
const steadyUs = (m: Mode): number => modes.find((x) => x.mode === m)?.steadyUsPerCall ?? NaN;
const bare = {
  workerMessage: { medianUs: median(tripsA) * 1000, meanUs: mean(tripsA) * 1000, trips: tripsA.length },
  poolTask: { medianUs: median(tripsB) * 1000, meanUs: mean(tripsB) * 1000, trips: tripsB.length },
};
interface Hop { name: string; us: number; bare: string; bareUs: number; ratio: number; goal: number; met: boolean }
const hop = (name: string, us: number, bareName: string, bareUs: number): Hop =>
  ({ name, us, bare: bareName, bareUs, ratio: us / bareUs, goal: GOAL, met: us / bareUs <= GOAL });
const hops = [
  hop('real->virtual (virtmode per call)', steadyUs('virtmode'), 'A + B', bare.workerMessage.medianUs + bare.poolTask.medianUs),
  hop('virtual->userspace (userspace - virtmode)', steadyUs('userspace') - steadyUs('virtmode'), 'B', bare.poolTask.medianUs),
];

say('');
say(table(['mode', 'calls', 'wall ms', 'wall calls/s', 'us/call', 'steady us/call', 'steady calls/s', 'modelled calls/s', 'answered R/V/U'], modes.map((m) => [
  m.mode, fmt(m.calls), m.wallMs.toFixed(1), fmt(m.wallCallsPerSec), m.usPerCall.toFixed(2), m.steadyUsPerCall.toFixed(2),
  fmt(m.steadyCallsPerSec), fmt(m.modelledCallsPerSec),
  ['realmode', 'virtmode', 'userspace'].map((t) => fmt(m.answeredBy[t] ?? 0)).join(' / '),
])));
say(`medians of ${REPEATS} repeats; wall = result.wallMs of the full run (start-up included); steady = slope from a run of 1/4 the calls\n`);
say(table(['bare round trip', 'median us', 'mean us', 'trips'], [
  ['A: worker -> main message, Atomics.notify back', bare.workerMessage.medianUs.toFixed(2), bare.workerMessage.meanUs.toFixed(2), fmt(bare.workerMessage.trips)],
  ['B: await pool.run() of a no-op piscina task', bare.poolTask.medianUs.toFixed(2), bare.poolTask.meanUs.toFixed(2), fmt(bare.poolTask.trips)],
]));
say('');
say(table(['hop', 'us/call', 'bare', 'bare us', 'ratio', `goal <= ${GOAL}`], hops.map((h) => [
  h.name, h.us.toFixed(2), h.bare, h.bareUs.toFixed(2), h.ratio.toFixed(2), h.met ? 'met' : 'NOT met',
])));

if (opts.json) {
  console.log(JSON.stringify({
    schemaVersion: 1, bench: 'pipeline', date: new Date().toISOString(), node: process.version,
    availableParallelism: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? null, loadavg: os.loadavg(),
    seed: SEED, repeats: REPEATS, workload: 'nic', vcpus: 1, modes, bare, hops,
  }, null, 2));
}

function median(xs: ArrayLike<number>): number {
  const a = Array.from(xs).sort((x, y) => x - y);
  const mid = a.length >>> 1;
  return a.length === 0 ? NaN : a.length % 2 === 1 ? (a[mid] as number) : ((a[mid - 1] as number) + (a[mid] as number)) / 2;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} ${text} must be a positive integer`);
  return n;
}
