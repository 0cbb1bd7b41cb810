/**
 * One side of a timed round trip between two threads (src/benchmarks/hop-trips.ts). The
 * pinging side starts a trip and times it until the answer; the answering side answers. Three
 * transports: `spin` (both sides spin on a shared word: the cross-core floor), `futex` (both
 * sleep in Atomics.wait and wake each other with Atomics.notify) and `handoff` (the pipeline's
 * own: the frame state and doorbell of src/pipeline/hand-off.ts, each side waiting with halt
 * polling as a vCPU and a pool server do).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { HaltPoll, wake } from '../shared-memory/halt-poll.js';
import { sharedClockMs } from '../shared-memory/shared-clock.js';
import { H_CROWDED, H_POOL_BELL, H_POOL_SLEEPERS, H_SPINNERS, H_STOP, ringBell } from '../pipeline/hand-off.js';

export type HopTransport = 'spin' | 'futex' | 'handoff';

export interface HopSetup {
  readonly transport: HopTransport;
  readonly side: 'ping' | 'pong';
  /** [0] the trip word (IDLE, ASKED, ANSWERED); the rest are hand-off words (hand-off.ts) at HOP_WORDS_BASE. */
  readonly words: SharedArrayBuffer;
  readonly warmup: number;
  readonly trips: number;
  readonly pollUs: number;
  readonly spinners: number;
}

export const TRIP = 0;
/** The pinging side sleeps (hand-off transport). */
export const SLEEPING = 1;
/** Words 2..5: two Float64 stamps (sharedClockMs) of the hand-off transport: [0] asked, [1] answered. */
const STAMPS = 2;
export const HOP_WORDS_BASE = 8;
export const IDLE = 0;
export const ASKED = 1;
export const ANSWERED = 2;

/**
 * Warm-up lasts at least this long as well as `warmup` trips: a thread just started compiles
 * and collects its start-up garbage on V8's helper threads for a few hundred milliseconds, and
 * while they run the core watch rightly finds the machine crowded, so a row of fast trips
 * would measure only that.
 */
const WARMUP_MS = 250;

function ping(s: HopSetup, w: Int32Array, hand: Int32Array, poll: HaltPoll, stamp: Float64Array): Float64Array {
  const times = new Float64Array(s.trips);
  const begun = performance.now();
  let warm = 0;
  for (let i = 0; i < s.trips;) {
    const t0 = performance.now();
    switch (s.transport) {
      case 'spin':
        Atomics.store(w, TRIP, ASKED);
        while (Atomics.load(w, TRIP) !== ANSWERED);
        break;
      case 'futex':
        Atomics.store(w, TRIP, ASKED);
        Atomics.notify(w, TRIP);
        while (Atomics.load(w, TRIP) !== ANSWERED) Atomics.wait(w, TRIP, ASKED, 1000);
        break;
      case 'handoff':
        stamp[0] = sharedClockMs();
        Atomics.store(w, TRIP, ASKED);
        ringBell(hand, H_POOL_BELL);
        poll.waitFor(w, TRIP, ANSWERED, w, SLEEPING);
        poll.handedOffAt(stamp[1] as number);
        break;
    }
    if (warm < s.warmup || t0 - begun < WARMUP_MS) warm++;
    else times[i++] = (performance.now() - t0) * 1000;
    Atomics.store(w, TRIP, IDLE);
  }
  Atomics.store(hand, H_STOP, 1);
  Atomics.add(hand, H_POOL_BELL, 1);
  Atomics.notify(hand, H_POOL_BELL);
  Atomics.store(w, TRIP, ASKED);
  Atomics.notify(w, TRIP);
  return times;
}

function pong(s: HopSetup, w: Int32Array, hand: Int32Array, poll: HaltPoll, stamp: Float64Array): void {
  const answer = (): void => {
    if (s.transport === 'handoff') {
      poll.handedOffAt(stamp[0] as number);
      stamp[1] = sharedClockMs();
    }
    Atomics.store(w, TRIP, ANSWERED);
    if (s.transport === 'handoff') wake(w, TRIP, w, SLEEPING);
    else Atomics.notify(w, TRIP);
  };
  for (;;) {
    if (Atomics.load(hand, H_STOP) !== 0) return;
    switch (s.transport) {
      case 'spin':
        while (Atomics.load(w, TRIP) !== ASKED);
        break;
      case 'futex':
        while (Atomics.load(w, TRIP) !== ASKED) Atomics.wait(w, TRIP, Atomics.load(w, TRIP), 1000);
        break;
      case 'handoff': {
        const seen = Atomics.load(hand, H_POOL_BELL);
        if (Atomics.load(w, TRIP) !== ASKED) {
          poll.waitWhile(hand, H_POOL_BELL, seen, hand, H_POOL_SLEEPERS);
          continue;
        }
        break;
      }
    }
    if (Atomics.load(hand, H_STOP) !== 0) return;
    answer();
  }
}

const port = parentPort;
if (!isMainThread && port !== null && (workerData as { hop?: boolean } | null)?.hop === true) {
  const s = (workerData as { setup: HopSetup }).setup;
  const w = new Int32Array(s.words);
  const hand = new Int32Array(s.words, HOP_WORDS_BASE * 4);
  const stamp = new Float64Array(s.words, STAMPS * 4, 2);
  const poll = new HaltPoll(s.pollUs, hand, H_SPINNERS, s.spinners, H_CROWDED);
  if (s.side === 'ping') {
    const times = ping(s, w, hand, poll, stamp);
    port.postMessage({ times, polled: poll.counts.polled, slept: poll.counts.slept }, [times.buffer as ArrayBuffer]);
  } else {
    pong(s, w, hand, poll, stamp);
    port.postMessage(null);
  }
}
