/**
 * Round trips between two threads, timed one at a time (µs): the bare floors a thread hop
 * stands on — spinning on a shared word, and a futex wait/notify — beside the pipeline's own
 * hand-off (src/pipeline/hand-off.ts: the frame state, the doorbell, halt polling), with
 * polling on and off. The two sides are worker threads, as a vCPU and a pool server are.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { watchCores } from '../pipeline/core-watch.js';
import { defaultSpinners } from '../shared-memory/halt-poll.js';
import { H_CROWDED, HAND_OFF_WORDS } from '../pipeline/hand-off.js';
import { HOP_WORDS_BASE, type HopSetup, type HopTransport } from './hop-worker.js';

export interface HopTrips {
  /** Per-trip times, µs. */
  readonly times: Float64Array;
  /** Hand-off only: trips the waiting side met polling, and asleep. */
  readonly polled: number;
  readonly slept: number;
  /** Share of the run's core-watch samples that found the machine crowded (no polling then). */
  readonly crowdedShare: number;
}

/**
 * `trips` timed round trips (after `warmup`) over `transport`; `pollUs` for the hand-off.
 * The spin transport needs a core per side: with one core it would never end, so it is refused.
 */
export async function hopTrips(
  transport: HopTransport, trips: number, pollUs = 0, warmup = Math.min(1000, trips), watch = true,
): Promise<HopTrips> {
  if (transport === 'spin' && availableParallelism() < 2) throw new RangeError('a spin round trip needs two cores');
  const words = new SharedArrayBuffer((HOP_WORDS_BASE + HAND_OFF_WORDS) * 4);
  const hand = new Int32Array(words, HOP_WORDS_BASE * 4);
  let samples = 0;
  let crowdedSamples = 0;
  const stopWatch = transport === 'handoff' && pollUs > 0 && watch ? watchCores(hand, H_CROWDED) : () => undefined;
  const sampler = setInterval(() => {
    samples++;
    if (Atomics.load(hand, H_CROWDED) !== 0) crowdedSamples++;
  }, 5);
  const base = { transport, words, warmup, trips, pollUs, spinners: defaultSpinners() };
  const start = (side: 'ping' | 'pong'): Worker => new Worker(new URL('./hop-worker.js', import.meta.url), {
    workerData: { hop: true, setup: { ...base, side } satisfies HopSetup },
  });
  try {
    const pong = start('pong');
    const pongDone = new Promise<void>((resolve, reject) => {
      pong.once('message', () => resolve());
      pong.once('error', reject);
    });
    const ping = start('ping');
    const result = await new Promise<{ times: Float64Array; polled: number; slept: number }>((resolve, reject) => {
      ping.once('message', resolve);
      ping.once('error', reject);
    });
    await pongDone;
    await Promise.all([ping.terminate(), pong.terminate()]);
    return { ...result, crowdedShare: samples === 0 ? 0 : crowdedSamples / samples };
  } finally {
    clearInterval(sampler);
    stopWatch();
  }
}
