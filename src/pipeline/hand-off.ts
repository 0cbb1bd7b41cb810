/**
 * The shared words the threads of a run hand calls to each other through (besides the frames
 * themselves): a doorbell per stage that counts hand-offs and is notified when one is made,
 * the spinner slots of halt polling, a stop flag, and which call each pool server holds.
 *
 *   vCPU --(frame FRAME_KERNEL, H_POOL_BELL)--> pool server --(FRAME_USER, H_USER_BELL)--> main
 *     ^------------------ (FRAME_DONE, notify the frame's F_STATE) ----------------------'
 */
import { HaltPoll, defaultSpinners, wake } from '../shared-memory/halt-poll.js';
import { allocateHopTimes } from './hop-times.js';

/** Counts calls queued for the pool; pool servers sleep on it. */
export const H_POOL_BELL = 0;
/** Counts calls queued for the userspace step; the main thread waits on it. */
export const H_USER_BELL = 1;
/** Threads polling right now (halt-poll.ts). */
export const H_SPINNERS = 2;
/** Nonzero: the run is over, pool servers return. */
export const H_STOP = 3;
/** 1 while threads outnumber cores on the machine (core-watch.ts): nobody polls. */
export const H_CROWDED = 4;
/** Pool servers asleep on H_POOL_BELL, and whether the main thread sleeps on H_USER_BELL. */
export const H_POOL_SLEEPERS = 5;
export const H_USER_SLEEPERS = 6;
/** Pool server i holds vCPU (word − 1)'s call, 0 for none (crash recovery). */
export const H_SERVER = 8;
export const MAX_POOL_SERVERS = 16;
export const HAND_OFF_WORDS = H_SERVER + MAX_POOL_SERVERS;

export interface HandOffSetup {
  readonly words: SharedArrayBuffer;
  /** Largest polling window, microseconds; 0: never poll. */
  readonly pollUs: number;
  readonly spinners: number;
  /** Each hop's times (hop-times.ts). */
  readonly hopTimes: SharedArrayBuffer;
}

export function allocateHandOff(pollUs: number, spinners = defaultSpinners()): HandOffSetup {
  return { words: new SharedArrayBuffer(HAND_OFF_WORDS * 4), pollUs, spinners, hopTimes: allocateHopTimes() };
}

export function handOffPoll(setup: HandOffSetup, words: Int32Array): HaltPoll {
  return new HaltPoll(setup.pollUs, words, H_SPINNERS, setup.spinners, H_CROWDED);
}

/** Ring a stage's doorbell (H_POOL_BELL or H_USER_BELL): one more call queued; one sleeper woken, if any sleeps. */
export function ringBell(words: Int32Array, bell: number): void {
  Atomics.add(words, bell, 1);
  wake(words, bell, words, bell === H_POOL_BELL ? H_POOL_SLEEPERS : H_USER_SLEEPERS, 1);
}
