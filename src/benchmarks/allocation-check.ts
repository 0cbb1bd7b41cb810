/**
 * Counting garbage collections over a long loop of each benchmark body: an allocation-free
 * body shows 0 scavenges; one that allocates even 16 bytes per call fills the 16 MiB young
 * generation about every million calls.
 */
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import type { BatchBody } from './batch.js';

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

/** A body to check, and what must run between batches of at most `chunk` calls (e.g. emptying an event ring). */
export interface CheckedRow {
  readonly name: string;
  readonly body: BatchBody;
  readonly before?: () => void;
}

/** `calls` calls of `row`, in batches of `chunk` when it has a before hook. */
function runChunked(row: CheckedRow, calls: number, chunk: number): void {
  if (row.before === undefined) {
    row.body(calls);
    return;
  }
  for (let done = 0; done < calls; done += chunk) {
    row.before();
    row.body(Math.min(chunk, calls - done));
  }
}

/**
 * Runs each body for `calls` calls in one window and counts the GCs that start inside it. Rows
 * with a before hook run in batches of `chunk` calls, the hook between them.
 */
export async function allocationCheck(rows: readonly CheckedRow[], calls: number, chunk = 1000): Promise<AllocationReport[]> {
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
    runChunked(row, Math.min(calls, 100_000), chunk); // warm up so the loop is optimised before the window
    if (gc !== undefined) gc();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    runChunked(row, calls, chunk);
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
