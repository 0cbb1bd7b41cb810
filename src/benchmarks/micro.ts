/**
 * The in-thread rows under tinybench: one sample is a batch of calls, reported in ns per call.
 * Samples are kept (retainSamples) so a comparison can test them.
 */
import { performance } from 'node:perf_hooks';
import { Bench } from 'tinybench';
import type { BenchmarkRecord } from '../regression/format.js';
import { batched } from './batch.js';
import type { DelaySettings, MicroSettings } from './config.js';
import { RANGE, type RealmodeRow } from './realmode-rows.js';
import { benchmarkRecord } from './records.js';

export interface MicroResult {
  readonly record: BenchmarkRecord;
  readonly entriesPerCall: number;
  /** Calls in each of its batches (batchCalls). */
  readonly calls: number;
}

/**
 * Calls per batch for `row`: as many as fill settings.batchUs, from the fastest of a few timed
 * short passes (the row is warm by then), between 16 and settings.batch.
 */
function batchCalls(row: RealmodeRow, settings: MicroSettings): number {
  const probe = 256;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    row.before?.();
    const t0 = performance.now();
    row.body(probe);
    best = Math.min(best, performance.now() - t0);
  }
  const nsPerCall = Math.max(1, (best * 1e6) / probe);
  return Math.max(16, Math.min(settings.batch, Math.round((settings.batchUs * 1000) / nsPerCall)));
}

/** Runs `rows` (in order), each for its time budget; `progress` hears each row's name as it starts. */
export function runMicro(
  rows: readonly RealmodeRow[], settings: MicroSettings, delay: DelaySettings | null, progress: (row: string) => void = () => undefined,
): MicroResult[] {
  // The untimed warm-up: every row in turn, a fixed number of calls (RANGE, or its warmCalls),
  // so a failing call stops the run before any timing, and every path a row takes when timed
  // has run and been compiled before the timing starts. A fixed count, not a time: with
  // --no-concurrent-recompilation V8 then compiles the same code at the same points in every
  // worker process (checked with --trace-opt --trace-deopt: the same events, in the same order,
  // up to the end of the warm-up, and none for the rows' code after it; docs/regression.md).
  for (const row of rows) {
    const calls = row.warmCalls ?? RANGE;
    for (let done = 0; done < calls; done += settings.batch) {
      row.before?.();
      row.body(Math.min(settings.batch, calls - done));
    }
  }
  const results: MicroResult[] = [];
  const delayed = delay === null ? null : new RegExp(delay.rows.source, delay.rows.flags.replace(/[gy]/g, ''));
  // One Bench per row, so progress can be told between rows and each row's samples stand alone.
  for (const row of rows) {
    progress(row.name);
    const bench = new Bench({
      name: 'realmode', time: settings.timeMs, warmupTime: settings.warmupMs, iterations: settings.minSamples, throws: true, retainSamples: true,
    });
    const slowdownPercent = delay !== null && delayed !== null && delayed.test(row.name) ? delay.percent : 0;
    const options = { slowdownPercent, ...(row.before !== undefined ? { before: row.before } : {}) };
    const calls = batchCalls(row, settings);
    bench.add(row.name, batched(calls, row.body, options));
    bench.runSync();
    const task = bench.getTask(row.name);
    const r = task?.result;
    if (r === undefined || r.state !== 'completed') {
      throw new Error(`${row.name}: ${r?.state ?? 'missing'}${r?.state === 'errored' ? `: ${r.error.message}` : ''}`);
    }
    const samples = r.latency.samples;
    if (samples === undefined) throw new Error(`${row.name}: tinybench kept no samples`);
    results.push({
      record: benchmarkRecord(row.name, 'realmode', 'ns/call', false, 0, samples.map((ms) => ms * 1e6)),
      entriesPerCall: row.entriesPerCall,
      calls,
    });
  }
  return results;
}
