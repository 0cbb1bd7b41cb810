/**
 * One worker process of the in-thread rows (micro-process.ts): runs the rows it is given on a
 * fresh machine and prints, as one JSON line, each row's figures. A process of its own, so each
 * has its own JIT decisions and memory layout, as pyperf's worker processes do.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { CostTable } from '../pipeline/costs.js';
import { median } from '../regression/statistics.js';
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
}

export interface MicroWorkerAnswer {
  /**
   * Row name -> this process's figure, ns per call: its fastest tinybench batch. On a loaded
   * machine a batch is only ever slowed (preempted, its cache evicted), never sped up, so the
   * fastest is the steadiest estimate of what the code costs.
   */
  readonly fastest: Readonly<Record<string, number>>;
  /**
   * Row name -> its cost over the bare locked store's, as the median over pairs of batches
   * timed back to back (store, then row): whatever slows the process at that moment slows
   * both, so the ratio keeps still where the absolute figures move with the load.
   */
  readonly storeRatio: Readonly<Record<string, number>>;
  readonly samples: Readonly<Record<string, number>>;
  /** Row name -> calls per batch this process sized for it. */
  readonly calls: Readonly<Record<string, number>>;
}

function pairedRatio(row: RealmodeRow, rowCalls: number, store: RealmodeRow, storeCalls: number, settings: MicroSettings, slowdownPercent: number): number {
  // Each side's batch fills settings.batchUs (micro.ts batchCalls), so both are as exposed to preemption.
  const timeRow = batched(rowCalls, row.body, { slowdownPercent, ...(row.before !== undefined ? { before: row.before } : {}) });
  const timeStore = batched(storeCalls, store.body, store.before !== undefined ? { before: store.before } : {});
  const ratios: number[] = [];
  const until = performance.now() + settings.timeMs;
  while (ratios.length < settings.minSamples || performance.now() < until) {
    const s = timeStore().overriddenDuration as number;
    const r = timeRow().overriddenDuration as number;
    if (s > 0 && r > 0) ratios.push(r / s);
  }
  return median(ratios);
}

// A process of its own (its job as argv[2]), or, where a process cannot be started, a worker thread (its job as workerData).
const job = (parentPort !== null ? workerData : JSON.parse(process.argv[2] ?? 'null')) as MicroWorkerJob | null;
if (job === null) throw new Error('micro-worker needs its job as JSON');
const delay = job.delay === null ? null : { rows: new RegExp(job.delay.rows), percent: job.delay.percent };
const rows = realmodeRows(job.costs, job.settings.batch).filter((r) => job.rows.includes(r.name));
const results = runMicro(rows, job.settings, delay);
const store = rows.find((r) => r.name === BARE_STORE_ROW);
const calls = new Map(results.map((r) => [r.record.name, r.calls]));
const storeRatio: Record<string, number> = {};
if (store !== undefined) {
  for (const row of rows) {
    if (row === store) continue;
    const slowdown = delay !== null && delay.rows.test(row.name) ? delay.percent : 0;
    storeRatio[row.name] = pairedRatio(row, calls.get(row.name) ?? job.settings.batch, store, calls.get(store.name) ?? job.settings.batch, job.settings, slowdown);
  }
}
const answer: MicroWorkerAnswer = {
  fastest: Object.fromEntries(results.map((r) => [r.record.name, Math.min(...r.record.samples)])),
  storeRatio,
  samples: Object.fromEntries(results.map((r) => [r.record.name, r.record.samples.length])),
  calls: Object.fromEntries(calls),
};
if (parentPort !== null) parentPort.postMessage(answer);
else process.stdout.write(`${JSON.stringify(answer)}\n`);
