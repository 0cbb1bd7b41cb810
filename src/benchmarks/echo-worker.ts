/**
 * A vCPU-like thread for the bare worker round trip (src/benchmarks/bare-trips.ts). Each trip is
 * what a vCPU does for a call real mode gives up (src/pipeline/vcpu-worker.ts): mark its word
 * pending, post one message to the main thread, Atomics.wait until the main thread stores DONE
 * and notifies. It times every trip and posts the times (ms) back as one Float64Array at the end.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export interface EchoSetup {
  /** One Int32 word: ECHO_PENDING while a trip is out, ECHO_DONE once answered. */
  readonly word: SharedArrayBuffer;
  readonly warmup: number;
  readonly trips: number;
}

export const ECHO_DONE = 0;
export const ECHO_PENDING = 1;

const port = parentPort;
if (!isMainThread && port !== null) {
  const setup = workerData as EchoSetup;
  const w = new Int32Array(setup.word);
  const times = new Float64Array(setup.trips);
  for (let i = -setup.warmup; i < setup.trips; i++) {
    const t0 = performance.now();
    Atomics.store(w, 0, ECHO_PENDING);
    port.postMessage(i);
    while (Atomics.load(w, 0) === ECHO_PENDING) Atomics.wait(w, 0, ECHO_PENDING, 1000);
    if (i >= 0) times[i] = performance.now() - t0;
  }
  port.postMessage(times, [times.buffer]);
}
