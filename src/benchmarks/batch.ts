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
   * Test hook: the batch made this many percent slower, by busy-waiting inside the timed window
   * for that share of the time its calls just took: the row's code taking 10% longer, whatever
   * the load did to that batch (a fixed number of ns per call would be a smaller share of a
   * batch slowed by the load than of an undisturbed one).
   */
  readonly slowdownPercent?: number;
}

/** A tinybench task function: one sample is `calls` runs of `body`, reported per call. */
export function batched(calls: number, body: BatchBody, options: BatchOptions = {}): () => FnReturnedObject {
  const before = options.before;
  const slowdown = (options.slowdownPercent ?? 0) / 100;
  return () => {
    if (before !== undefined) before();
    const t0 = performance.now();
    body(calls);
    if (slowdown > 0) {
      const now = performance.now();
      const until = now + (now - t0) * slowdown;
      while (performance.now() < until) { /* busy-wait: the deliberate slowdown */ }
    }
    const ms = performance.now() - t0;
    return { overriddenDuration: ms / calls, overriddenIterationCost: ms };
  };
}
