/**
 * How the main thread waits for userspace calls (threaded-run.ts). Waking it through its event
 * loop (Atomics.waitAsync) costs a turn of the loop per call; Node lets the main thread block
 * in Atomics.wait, which costs a plain futex (or spin) hand-off. So it serves in slices: within
 * a slice it polls and blocks, between slices its event loop runs (the ring drain, progress,
 * signals, worker messages). A run whose calls rarely reach userspace would only hold the
 * event loop up, so after `idleSlices` empty slices in a row it waits asynchronously until
 * the next call comes.
 */
export interface UserLoopSettings {
  /** The longest the main thread serves (or blocks waiting for) userspace calls before its event loop runs, ms. */
  readonly sliceMs: number;
  /** Empty slices in a row before it waits asynchronously; 0: always asynchronously (one event-loop turn per call). */
  readonly idleSlices: number;
  /** The longest one asynchronous wait lasts before it looks again, ms. */
  readonly asyncSleepMs: number;
}

export function defaultUserLoopSettings(): UserLoopSettings {
  return { sliceMs: 2, idleSlices: 8, asyncSleepMs: 50 };
}
