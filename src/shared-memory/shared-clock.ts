/**
 * A clock every thread of the process reads alike, in milliseconds: for stamps one thread
 * writes into shared memory and another reads (when a call was handed on). performance.now()
 * counts from each thread's own start, so each thread adds its offset to the process's
 * monotonic clock (process.hrtime, read once when this module loads), which makes stamps from
 * different threads comparable to a few tens of nanoseconds without reading a bigint each time.
 */
function monotonicOffsetMs(): number {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 5; i++) {
    const a = performance.now();
    const mono = Number(process.hrtime.bigint()) / 1e6;
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      offset = mono - (a + b) / 2;
    }
  }
  return offset;
}

const offsetMs = monotonicOffsetMs();

/** Now, ms, on the process-wide clock. Allocation-free. */
export function sharedClockMs(): number {
  return performance.now() + offsetMs;
}
