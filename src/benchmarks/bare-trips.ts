/**
 * The bare round trips a call that leaves its vCPU thread stands on, timed one trip at a time:
 * A: a worker posts a message to the main thread, which wakes it with Atomics.store +
 *    Atomics.notify on the word it sleeps on (the vCPU <-> main transport of the pipeline's
 *    first design). One side goes through the main thread's event loop, so this is not a bare
 *    futex round trip: that one, between two worker threads, is src/benchmarks/hop-trips.ts;
 * B: the main thread awaits pool.run() on a 1-thread piscina pool whose task returns at once
 *    (the main <-> virtual-mode pool transport).
 */
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ECHO_DONE, type EchoSetup } from './echo-worker.js';

/** A: per-trip times in ms. */
export function workerTrips(trips: number): Promise<Float64Array> {
  const setup: EchoSetup = { word: new SharedArrayBuffer(4), warmup: Math.min(1000, trips), trips };
  const word = new Int32Array(setup.word);
  const w = new Worker(new URL('./echo-worker.js', import.meta.url), { workerData: setup });
  return new Promise((resolve, reject) => {
    w.on('message', (msg: number | Float64Array) => {
      if (typeof msg === 'number') {
        Atomics.store(word, 0, ECHO_DONE);
        Atomics.notify(word, 0);
        return;
      }
      void w.terminate();
      resolve(msg);
    });
    w.on('error', reject);
  });
}

/** B: per-trip times in ms. */
export async function poolTrips(trips: number): Promise<Float64Array> {
  const pool = new Piscina<{ vcpu: number }, number>({
    filename: new URL('./noop-task.js', import.meta.url).href, minThreads: 1, maxThreads: 1, idleTimeout: 60_000,
  });
  const times = new Float64Array(trips);
  try {
    for (let i = 0; i < Math.min(1000, trips); i++) await pool.run({ vcpu: 0 });
    for (let i = 0; i < trips; i++) {
      const t0 = performance.now();
      await pool.run({ vcpu: 0 });
      times[i] = performance.now() - t0;
    }
  } finally {
    await pool.destroy();
  }
  return times;
}
