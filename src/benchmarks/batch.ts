/**
 * Batching for nanosecond-scale benchmarks.
 *
 * tinybench times each sample with two clock reads, which adds about 55 ns per sample on the
 * build VM (ecosystem-notes §1.3, §2f): as much as the calls we measure. So each sample runs a
 * body `calls` times and reports the mean per call as `overriddenDuration`, and the whole batch
 * as `overriddenIterationCost`, so the `time` budget still counts wall-clock time.
 */
import { performance } from 'node:perf_hooks';
import type { FnReturnedObject } from 'tinybench';

/** Runs the measured operation `n` times. Throws if any call fails. */
export type BatchBody = (n: number) => void;

export interface BatchOptions {
  /** Runs before each sample, outside the timed window (e.g. to empty an event ring). */
  readonly before?: () => void;
  /**
   * Test hook: nanoseconds of busy-waiting added per call, inside the timed window, so the row
   * reads as slower by about that much per call.
   */
  readonly delayNsPerCall?: number;
}

/** A tinybench task function: one sample is `calls` runs of `body`, reported per call. */
export function batched(calls: number, body: BatchBody, options: BatchOptions = {}): () => FnReturnedObject {
  const before = options.before;
  const delayMs = ((options.delayNsPerCall ?? 0) * calls) / 1e6;
  return () => {
    if (before !== undefined) before();
    const t0 = performance.now();
    body(calls);
    if (delayMs > 0) {
      const until = performance.now() + delayMs;
      while (performance.now() < until) { /* busy-wait: the deliberate slowdown */ }
    }
    const ms = performance.now() - t0;
    return { overriddenDuration: ms / calls, overriddenIterationCost: ms };
  };
}
