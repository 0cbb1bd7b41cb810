/**
 * One worker process of the in-thread rows (micro-process.ts): runs the rows it is given on a
 * fresh machine and prints, as one JSON line, each row's figures. A process of its own, so each
 * has its own JIT decisions and memory layout, as pyperf's worker processes do.
 */
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { CostTable } from '../pipeline/costs.js';
import { batched } from './batch.js';
import type { MicroSettings } from './config.js';
import { runMicro } from './micro.js';
import { BARE_STORE_ROW, realmodeRows, type RealmodeRow } from './realmode-rows.js';

export interface MicroWorkerJob {
  readonly rows: readonly string[];
  readonly settings: MicroSettings;
  readonly costs: CostTable;
  /** The test hook of config.ts, its regular expression as source. */
  readonly delay: { readonly rows: string; readonly percent: number } | null;
  /**
   * A file to append one line to as each timed phase starts ("timing ROW", "pairs ROW"): run
   * with V8's --trace-opt --trace-deopt --redirect-code-traces-to=the same file, it shows which
   * compilations happened during the timing (test/regression/bench-warmup.proc.test.ts).
   */
  readonly phaseLog?: string;
}

export interface MicroWorkerAnswer {
  /**
   * Row name -> this process's figure, ns per call: its fastest batch, of its tinybench samples
   * and of its batches timed in pairs with the store. On a loaded machine a batch is only ever
   * slowed (preempted, its cache evicted, the other hyperthread busy), never sped up, so the
   * fastest is the steadiest estimate of what the code costs: across 7 bench runs at loadavg
   * 9-15 the fastest of 10 processes moved by under 0.2% for most rows (docs/regression.md).
   */
  readonly fastest: Readonly<Record<string, number>>;
  /**
   * Row name -> its fastest batch over the bare locked store's fastest batch, both in this
   * process: what slows the whole process (a slower core, a busy host) cancels. Not the median
   * of paired ratios: how a busy other hyperthread slows a handler differs from how it slows the
   * store (H_STUFF_TCE npages=1 read 9.2x the store in runs with the other core busy and 10.7x
   * without), so a median over pairs followed the load from one bench run to the next, while
   * the fastest batches are both the undisturbed ones whenever the process had a quiet moment.
   */
  readonly storeRatio: Readonly<Record<string, number>>;
  readonly samples: Readonly<Record<string, number>>;
  /** Row name -> calls per batch this process sized for it. */
  readonly calls: Readonly<Record<string, number>>;
}

/**
 * The row and the store timed in turns, a batch of each back to back, for settings.timeMs:
 * their fastest batches (ns per call). Each batch fills settings.batchUs (micro.ts batchCalls),
 * so both are as exposed to preemption, and a quiet moment of the machine is one for both.
 */
function pairedFastest(row: RealmodeRow, rowCalls: number, store: RealmodeRow, storeCalls: number, settings: MicroSettings, slowdownPercent: number): { row: number; store: number } {
  const timeRow = batched(rowCalls, row.body, { slowdownPercent, ...(row.before !== undefined ? { before: row.before } : {}) });
  const timeStore = batched(storeCalls, store.body, store.before !== undefined ? { before: store.before } : {});
  let fastRow = Infinity;
  let fastStore = Infinity;
  let pairs = 0;
  const until = performance.now() + settings.timeMs;
  while (pairs < settings.minSamples || performance.now() < until) {
    const s = timeStore().overriddenDuration as number;
    const r = timeRow().overriddenDuration as number;
    if (s > 0) fastStore = Math.min(fastStore, s);
    if (r > 0) fastRow = Math.min(fastRow, r);
    pairs++;
  }
  return { row: fastRow * 1e6, store: fastStore * 1e6 };
}

// A process of its own (its job as argv[2]), or, where a process cannot be started, a worker thread (its job as workerData).
const job = (parentPort !== null ? workerData : JSON.parse(process.argv[2] ?? 'null')) as MicroWorkerJob | null;
if (job === null) throw new Error('micro-worker needs its job as JSON');
const delay = job.delay === null ? null : { rows: new RegExp(job.delay.rows), percent: job.delay.percent };
const rows = realmodeRows(job.costs, job.settings.batch).filter((r) => job.rows.includes(r.name));
const phaseLog = job.phaseLog;
const mark = phaseLog === undefined ? (): void => undefined : (line: string): void => appendFileSync(phaseLog, `${line}\n`);
const results = runMicro(rows, job.settings, delay, (row) => mark(`timing ${row}`));
const store = rows.find((r) => r.name === BARE_STORE_ROW);
const calls = new Map(results.map((r) => [r.record.name, r.calls]));
const fastest = new Map(results.map((r) => [r.record.name, Math.min(...r.record.samples)]));
if (store !== undefined) {
  for (const row of rows) {
    if (row === store) continue;
    mark(`pairs ${row.name}`);
    const slowdown = delay !== null && delay.rows.test(row.name) ? delay.percent : 0;
    const f = pairedFastest(row, calls.get(row.name) ?? job.settings.batch, store, calls.get(store.name) ?? job.settings.batch, job.settings, slowdown);
    fastest.set(row.name, Math.min(fastest.get(row.name) ?? Infinity, f.row));
    fastest.set(store.name, Math.min(fastest.get(store.name) ?? Infinity, f.store));
  }
}
const storeRatio: Record<string, number> = {};
const storeFastest = store === undefined ? undefined : fastest.get(store.name);
if (storeFastest !== undefined) {
  for (const row of rows) if (row !== store) storeRatio[row.name] = (fastest.get(row.name) ?? NaN) / storeFastest;
}
const answer: MicroWorkerAnswer = {
  fastest: Object.fromEntries(fastest),
  storeRatio,
  samples: Object.fromEntries(results.map((r) => [r.record.name, r.record.samples.length])),
  calls: Object.fromEntries(calls),
};
if (parentPort !== null) parentPort.postMessage(answer);
else process.stdout.write(`${JSON.stringify(answer)}\n`);
