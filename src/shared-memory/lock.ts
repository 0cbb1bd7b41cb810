/**
 * A three-state futex lock on one Int32 word in shared memory (0 free, 1 held, 2 held and
 * someone may sleep on it). The lock holds no state of its own: everything is in the word, so
 * any thread that has the buffer can take it.
 *
 * Two ways in, one way out:
 * - `spinTryLock`: bounded compare-and-swap spin. Real mode uses it because it may not sleep;
 *   failing within the budget is H_TOO_HARD (lock-contended), never a wait.
 * - `sleepLock`: spins briefly, then sleeps with Atomics.wait. Virtual mode and userspace.
 * - `unlock`: wakes one sleeper, only when the word says one may be waiting.
 */
const FREE = 0;
const HELD = 1;
const CONTENDED = 2;
/** Spins before a sleeping lock goes to sleep: a wake-up costs ~40-130 us here. */
const SPINS_BEFORE_SLEEP = 200;

/** Runs in: any tier. Allocation-free. */
export function spinTryLock(words: Int32Array, index: number, budget: number): boolean {
  for (let i = 0; i <= budget; i++) {
    if (Atomics.compareExchange(words, index, FREE, HELD) === FREE) return true;
  }
  return false;
}

/** Runs in: virtual mode and userspace (may sleep). */
export function sleepLock(words: Int32Array, index: number): void {
  for (let i = 0; i < SPINS_BEFORE_SLEEP; i++) {
    if (Atomics.compareExchange(words, index, FREE, HELD) === FREE) return;
  }
  // Announce a sleeper, then sleep until the holder hands the word back as FREE.
  while (Atomics.exchange(words, index, CONTENDED) !== FREE) {
    Atomics.wait(words, index, CONTENDED);
  }
}

/** Runs in: any tier. */
export function unlock(words: Int32Array, index: number): void {
  if (Atomics.exchange(words, index, FREE) === CONTENDED) Atomics.notify(words, index, 1);
}

/**
 * A sleeping lock for the thread that also drains the event log (the main thread): it sleeps
 * in short naps and runs `idle` between them, so a holder waiting for log room is never
 * waiting on this thread. Runs in: userspace.
 */
export function drainingLock(words: Int32Array, index: number, idle: () => void): void {
  for (let i = 0; i < SPINS_BEFORE_SLEEP; i++) {
    if (Atomics.compareExchange(words, index, FREE, HELD) === FREE) return;
  }
  while (Atomics.exchange(words, index, CONTENDED) !== FREE) {
    idle();
    Atomics.wait(words, index, CONTENDED, 1);
  }
}
