/**
 * Batching and allocation helpers for nanosecond-scale benchmarks.
 *
 * tinybench times each sample with two clock reads, which adds about 55 ns per sample on this
 * VM (docs: ecosystem-notes §1.3, §2f). That is as much as the calls we measure, so each sample
 * runs a body `calls` times and reports the mean per call as `overriddenDuration`. It reports the
 * whole batch as `overriddenIterationCost`, so the `time` budget still counts wall-clock time.
 */
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import type { FnReturnedObject } from 'tinybench';

/** Runs the measured operation `n` times. Throws if any call fails. */
export type BatchBody = (n: number) => void;

/** A tinybench task function: one sample is `calls` runs of `body`, reported per call. */
export function batched(calls: number, body: BatchBody): () => FnReturnedObject {
  return () => {
    const t0 = performance.now();
    body(calls);
    const ms = performance.now() - t0;
    return { overriddenDuration: ms / calls, overriddenIterationCost: ms };
  };
}

export interface AllocationReport {
  name: string;
  calls: number;
  nsPerCall: number;
  /** Minor GCs (scavenges) that started during the loop. */
  scavenges: number;
  /** Major GCs (mark-compact) that started during the loop. */
  markCompacts: number;
  /** heapUsed after the loop minus heapUsed after a forced GC before it (when --expose-gc). */
  heapUsedDeltaBytes: number;
  forcedGc: boolean;
}

/**
 * Runs each body for `calls` calls in one loop. Counts the GCs that start inside each loop's
 * time window. An allocation-free body shows 0 scavenges. One that allocates even 16 bytes
 * per call fills the 16 MiB young generation about every million calls.
 */
export async function allocationCheck(rows: readonly { name: string; body: BatchBody }[], calls: number): Promise<AllocationReport[]> {
  const gcEvents: { start: number; kind: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // Node 20's typings omit `detail` on gc entries; at runtime it is { kind, flags }.
      const detail = (e as unknown as { detail?: { kind?: number } | null }).detail;
      gcEvents.push({ start: e.startTime, kind: detail?.kind ?? 0 });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const gc = (globalThis as unknown as { gc?: () => void }).gc;
  const windows: { name: string; t0: number; t1: number; heapDelta: number }[] = [];
  for (const row of rows) {
    row.body(Math.min(calls, 100_000)); // warm up so the loop is optimised before the window
    if (gc !== undefined) gc();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    row.body(calls);
    const t1 = performance.now();
    windows.push({ name: row.name, t0, t1, heapDelta: process.memoryUsage().heapUsed - heap0 });
  }
  // GC performance entries are delivered asynchronously: let them arrive.
  await new Promise((resolve) => setTimeout(resolve, 200));
  observer.disconnect();
  return windows.map((w) => {
    const inside = gcEvents.filter((e) => e.start >= w.t0 && e.start <= w.t1);
    return {
      name: w.name,
      calls,
      nsPerCall: ((w.t1 - w.t0) * 1e6) / calls,
      scavenges: inside.filter((e) => e.kind === constants.NODE_PERFORMANCE_GC_MINOR).length,
      markCompacts: inside.filter((e) => e.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length,
      heapUsedDeltaBytes: w.heapDelta,
      forcedGc: gc !== undefined,
    };
  });
}
