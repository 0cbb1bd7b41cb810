/**
 * Which piscina settings make the virtual-mode hop fastest: every combination of `atomics`
 * (sync, async, disabled), `concurrentTasksPerWorker` (1, 2) and pool threads (1, 2), each
 * running the threaded pipeline in mode virtmode (every call goes through the pool) with
 * 2 vCPUs on `nic`. One tinybench task per setting; a sample is one whole run, reported as
 * wall-clock microseconds per call. Prints the table, the fastest setting, and its ratio to the
 * default (src/pipeline/pool-settings.ts).
 *
 *   npm run build && node dist/bench/piscina-options.bench.js [--calls N] [--repeats N] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Bench } from 'tinybench';
import { defaultPoolSettings, POOL_ATOMICS, type PoolSettings } from '../src/pipeline/pool-settings.js';
import { defaultRunOptions, type RunOptions } from '../src/pipeline/run-options.js';
import { runThreaded } from '../src/pipeline/threaded-run.js';
import { RunLifecycle } from '../src/pipeline/run-events.js';
import { benchArgs, benchUsageExit } from '../src/benchmarks/bench-cli.js';

const { values: opts } = benchArgs('bench/piscina-options.bench', {
  options: {
    calls: { type: 'string', default: '3000' },
    repeats: { type: 'string', default: '5' },
    vcpus: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
  strict: true,
});

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) benchUsageExit('bench/piscina-options.bench', `${name} ${JSON.stringify(v)} must be a positive integer`);
  return n;
}
const CALLS = positiveInt('--calls', opts.calls);
const REPEATS = positiveInt('--repeats', opts.repeats);
const VCPUS = positiveInt('--vcpus', opts.vcpus);

const settings: PoolSettings[] = [];
for (const threads of [1, 2]) {
  for (const atomics of POOL_ATOMICS) {
    for (const concurrentTasksPerWorker of [1, 2]) settings.push({ threads, atomics, concurrentTasksPerWorker });
  }
}
const nameOf = (s: PoolSettings): string => `threads ${s.threads}, atomics ${s.atomics}, tasks/worker ${s.concurrentTasksPerWorker}`;
const options: RunOptions = { ...defaultRunOptions(), mode: 'virtmode', workload: 'nic', vcpus: VCPUS, calls: CALLS, seed: 1 };

async function oneRun(s: PoolSettings): Promise<number> {
  const r = await runThreaded(options, new RunLifecycle(), undefined, s);
  const done = r.stats.completed;
  if (done !== CALLS * VCPUS) throw new Error(`${nameOf(s)}: ${done} of ${CALLS * VCPUS} calls completed`);
  return r.wallMs;
}

console.log(`tcesim piscina options: node ${process.version}, availableParallelism ${os.availableParallelism()}, ` +
  `${os.cpus()[0]?.model ?? 'unknown cpu'}, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`mode virtmode, workload nic, ${VCPUS} vCPUs x ${CALLS} calls per run, ${REPEATS} runs per setting\n`);

const bench = new Bench({ name: 'piscina options', iterations: REPEATS, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0, throws: true });
for (const s of settings) {
  bench.add(nameOf(s), async () => {
    const ms = await oneRun(s);
    return { overriddenDuration: ms / (CALLS * VCPUS) };
  });
}
await bench.run();

interface Row { setting: PoolSettings; name: string; medianUsPerCall: number; minUs: number; maxUs: number; callsPerSec: number; samples: number }
const rows: Row[] = settings.map((s) => {
  const task = bench.getTask(nameOf(s));
  const r = task?.result;
  if (r === undefined || r.state !== 'completed') throw new Error(`${nameOf(s)}: no result`);
  const median = r.latency.p50 * 1000;
  return { setting: s, name: nameOf(s), medianUsPerCall: median, minUs: r.latency.min * 1000, maxUs: r.latency.max * 1000, callsPerSec: 1e6 / median, samples: r.latency.samplesCount };
});

const header = ['setting', 'median us/call', 'min', 'max', 'calls/s', 'runs'];
const lines = rows.map((r) => [r.name, r.medianUsPerCall.toFixed(1), r.minUs.toFixed(1), r.maxUs.toFixed(1), r.callsPerSec.toFixed(0), String(r.samples)]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
const fmt = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log(fmt(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const l of lines) console.log(fmt(l));

const best = rows.reduce((a, b) => (b.medianUsPerCall < a.medianUsPerCall ? b : a));
const d = defaultPoolSettings();
const def = rows.find((r) => r.setting.threads === d.threads && r.setting.atomics === d.atomics && r.setting.concurrentTasksPerWorker === d.concurrentTasksPerWorker);
console.log(`\nfastest: ${best.name} (${best.medianUsPerCall.toFixed(1)} us/call)`);
if (def !== undefined) console.log(`default: ${def.name} (${def.medianUsPerCall.toFixed(1)} us/call), ${(def.medianUsPerCall / best.medianUsPerCall).toFixed(2)}x the fastest`);

if (opts.json !== undefined) {
  writeFileSync(opts.json, `${JSON.stringify({ node: process.version, cpus: os.availableParallelism(), calls: CALLS, vcpus: VCPUS, repeats: REPEATS, rows, fastest: best.name }, null, 2)}\n`);
}
