/**
 * How the virtual-mode pool is built: piscina's own options, not hand-rolled pooling.
 * bench/piscina-options.bench.ts measures every combination; the defaults are its winner on
 * this 2-core VM (2 vCPUs on nic, virtmode, 5 runs of 3000 calls each): 1 thread, atomics
 * 'sync', 2 tasks per worker at 99 us per call against 125 us with 1 task per worker; the
 * atomics setting changed little, a second pool thread made it slower.
 */
export type PoolAtomics = 'sync' | 'async' | 'disabled';

export const POOL_ATOMICS: readonly PoolAtomics[] = ['sync', 'async', 'disabled'];

export interface PoolSettings {
  /** Pool threads (piscina minThreads = maxThreads). */
  readonly threads: number;
  /** piscina `atomics`: how an idle worker waits for its next task. */
  readonly atomics: PoolAtomics;
  /** piscina `concurrentTasksPerWorker`: tasks piscina may hand one worker before it answers. */
  readonly concurrentTasksPerWorker: number;
}

export function defaultPoolSettings(): PoolSettings {
  return { threads: 1, atomics: 'sync', concurrentTasksPerWorker: 2 };
}

export function isPoolAtomics(v: string): v is PoolAtomics {
  return (POOL_ATOMICS as readonly string[]).includes(v);
}
