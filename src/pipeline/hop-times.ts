/**
 * How long each thread hop of a call takes, measured inside a run: the sender stamps the
 * frame (F_HOP_F64) just before the store that hands the call on, the receiver counts the time
 * until it saw it in a shared log-scale histogram per hop. Wall-clock only; nothing here
 * touches the modelled clock or a call's path.
 *
 * The stamp is on one clock for every thread (src/shared-memory/shared-clock.ts).
 */
import { sharedClockMs } from '../shared-memory/shared-clock.js';

/** The vCPU queued the call for the virtual-mode pool; a pool server claimed it. */
export const HOP_TO_POOL = 0;
/** The pool queued the call for the userspace step; the main thread picked it up. */
export const HOP_TO_USER = 1;
/** The pool or the main thread answered; the vCPU saw the answer. */
export const HOP_TO_VCPU = 2;
/** Mode userspace (no in-kernel table): the vCPU queued the call for the userspace step; the main thread picked it up. */
export const HOP_VCPU_TO_USER = 3;
const HOPS = 4;
export const HOP_NAMES = ['vCPU -> pool', 'pool -> userspace', 'answer -> vCPU', 'vCPU -> userspace'] as const;

/** Histogram buckets per doubling of the time (about 9% wide each); bucket 0 holds everything under 1 ns. */
const PER_OCTAVE = 8;
const BUCKETS = PER_OCTAVE * 34;

export function allocateHopTimes(): SharedArrayBuffer {
  return new SharedArrayBuffer(HOPS * BUCKETS * 4);
}

/** Count one `hop` that began at `sinceMs` (sharedClockMs) and ends now. Allocation-free. */
export function recordHop(times: Int32Array, hop: number, sinceMs: number): void {
  const ns = (sharedClockMs() - sinceMs) * 1e6;
  const b = ns < 1 ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log2(ns) * PER_OCTAVE));
  Atomics.add(times, hop * BUCKETS + b, 1);
}

export interface HopSummary {
  readonly hop: (typeof HOP_NAMES)[number];
  readonly count: number;
  /** Median and mean, µs (from bucket middles: within about 5%); NaN when no call made the hop. */
  readonly medianUs: number;
  readonly meanUs: number;
}

/** The middle of bucket b, µs. */
function bucketUs(b: number): number {
  return b === 0 ? 0 : 2 ** ((b - 0.5) / PER_OCTAVE) / 1000;
}

/** Each hop's count and median. */
export function hopSummaries(times: Int32Array): HopSummary[] {
  return HOP_NAMES.map((hop, h) => {
    let count = 0;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      // Counts are Int32 words that Atomics.add wraps: read unsigned, a bucket holds up to 2^32 - 1.
      const k = (times[h * BUCKETS + b] as number) >>> 0;
      count += k;
      sum += k * bucketUs(b);
    }
    let seen = 0;
    let medianUs = NaN;
    for (let b = 0; b < BUCKETS && count > 0; b++) {
      seen += (times[h * BUCKETS + b] as number) >>> 0;
      if (seen * 2 >= count) {
        medianUs = bucketUs(b);
        break;
      }
    }
    return { hop, count, medianUs, meanUs: count > 0 ? sum / count : NaN };
  });
}
