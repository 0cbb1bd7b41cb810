/**
 * The event ring: a multi-producer, single-consumer ring of fixed-size records in shared
 * memory. Any thread appends (real mode included: no allocation, no wait); the main thread
 * drains.
 *
 * A producer reserves n consecutive records with one compare-and-swap on the head, fills them
 * with plain stores, and publishes each with an atomic store of its ring position into the
 * record's stamp word. The consumer takes records in position order and stops at the first
 * whose stamp is not yet its position, so a record is never read half-written. Records reserved
 * under a table lock are therefore in the order the writes happened to that table.
 *
 * Positions are 32-bit counters that wrap (Int32 words: from position 2^31 on they read
 * negative); the ring never holds 2^31 records, so differences are exact. Every Int32 is a
 * position, so a reservation says whether it found room apart from where its records are.
 */
import { RECORD_WORDS, RH_CAPACITY, RH_HEAD, RH_MAGIC, RH_TAIL, RH_WORDS, RING_MAGIC, R_STAMP } from './layout.js';

export interface SharedRing {
  readonly header: SharedArrayBuffer;
  readonly records: SharedArrayBuffer;
}

const MIN_RING_RECORDS = 16;
const MAX_RING_RECORDS = 2 ** 24;

/**
 * Main thread: allocate a ring of `capacity` records (a power of two). Its first record goes
 * at position `first` (0 for a run: a log file's record r is stamped r; another start lets a
 * test cross 2^31 or 2^32 without first making that many records).
 */
export function allocateRing(capacity: number, first = 0): SharedRing {
  if (!Number.isInteger(capacity) || capacity < MIN_RING_RECORDS || capacity > MAX_RING_RECORDS || (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`ring capacity ${capacity} must be a power of two from ${MIN_RING_RECORDS} to ${MAX_RING_RECORDS}`);
  }
  if (!Number.isInteger(first) || first < -(2 ** 31) || first >= 2 ** 31) throw new RangeError(`ring position ${first} must be an Int32`);
  const header = new SharedArrayBuffer(RH_WORDS * 4);
  const h = new Int32Array(header);
  h[RH_MAGIC] = RING_MAGIC;
  h[RH_CAPACITY] = capacity;
  h[RH_HEAD] = first;
  h[RH_TAIL] = first;
  const records = new SharedArrayBuffer(capacity * RECORD_WORDS * 4);
  const r = new Int32Array(records);
  // Position p goes in slot p & (capacity - 1); mark each slot as written one lap before its
  // first position, so it reads as not yet due.
  for (let k = 0; k < capacity; k++) {
    const p = (first + k) | 0;
    r[(p & (capacity - 1)) * RECORD_WORDS + R_STAMP] = (p - capacity) | 0;
  }
  return { header, records };
}

export class EventRing {
  readonly header: Int32Array;
  /** All records; record at ring position p starts at word (p & mask) * RECORD_WORDS. */
  readonly words: Int32Array;
  readonly f64: Float64Array;
  readonly capacity: number;
  readonly mask: number;
  private headGuess = 0;
  private tailSeen = 0;

  constructor(readonly shared: SharedRing) {
    this.header = new Int32Array(shared.header);
    if (this.header[RH_MAGIC] !== RING_MAGIC) throw new TypeError('not a tcesim event ring (bad magic)');
    this.capacity = this.header[RH_CAPACITY] as number;
    this.mask = this.capacity - 1;
    this.words = new Int32Array(shared.records);
    this.f64 = new Float64Array(shared.records);
    this.headGuess = Atomics.load(this.header, RH_HEAD);
    this.tailSeen = Atomics.load(this.header, RH_TAIL);
  }

  // --- producers (any thread; allocation-free) ---

  /** The first position of the records the last successful reservation took. */
  reserved = 0;

  /**
   * Reserve n consecutive records without waiting, from position `reserved` on; false when the
   * ring has no room for all n (nothing reserved). The caller fills and publishes every
   * reserved record. (A position in the answer would leave nothing to say "no room" with: it
   * was -1, which is position 2^32 - 1, and callers that took any negative answer for "no room"
   * lost every record from position 2^31 on.)
   */
  tryReserve(n: number): boolean {
    const hdr = this.header;
    let h = this.headGuess;
    for (;;) {
      if (((h + n - this.tailSeen) | 0) > this.capacity) {
        this.tailSeen = Atomics.load(hdr, RH_TAIL);
        h = Atomics.load(hdr, RH_HEAD);
        if (((h + n - this.tailSeen) | 0) > this.capacity) {
          this.headGuess = h;
          return false;
        }
      }
      const seen = Atomics.compareExchange(hdr, RH_HEAD, h, (h + n) | 0);
      if (seen === h) {
        this.headGuess = (h + n) | 0;
        this.reserved = h;
        return true;
      }
      h = seen;
    }
  }

  /**
   * Give back the reserved records [from, to) that were never published, when no producer has
   * reserved after them (the head is still `to`): the head moves back to `from`, so they need
   * no padding. False when another reservation followed (the caller pads them).
   */
  unreserve(from: number, to: number): boolean {
    if (from === to) return true;
    if (Atomics.compareExchange(this.header, RH_HEAD, to, from) !== to) return false;
    this.headGuess = from;
    return true;
  }

  /**
   * Reserve n records, sleeping until the consumer makes room (virtual mode and other tiers
   * that may sleep). n must not exceed the capacity.
   */
  reserveWaiting(n: number): number {
    if (n > this.capacity) throw new RangeError(`cannot reserve ${n} records in a ring of ${this.capacity}`);
    for (;;) {
      if (this.tryReserve(n)) return this.reserved;
      const tail = Atomics.load(this.header, RH_TAIL);
      // A timeout too, so a consumer that never notifies cannot hang a producer for ever.
      Atomics.wait(this.header, RH_TAIL, tail, 20);
    }
  }

  /** Word offset of the record at ring position p. */
  offset(p: number): number {
    return (p & this.mask) * RECORD_WORDS;
  }

  /** Publish the record at position p (after its other words are written). */
  publish(p: number): void {
    Atomics.store(this.words, this.offset(p) + R_STAMP, p);
  }

  // --- the consumer (one thread) ---

  /** Records published and not yet consumed, in order, up to the first unpublished one. */
  readyCount(max: number): number {
    const tail = Atomics.load(this.header, RH_TAIL);
    const w = this.words;
    let n = 0;
    while (n < max && Atomics.load(w, this.offset((tail + n) | 0) + R_STAMP) === ((tail + n) | 0)) n++;
    return n;
  }

  /**
   * Copy up to out.length / RECORD_WORDS ready records into out and release their slots.
   * Returns how many records were copied.
   */
  drainInto(out: Int32Array): number {
    const n = this.readyCount(Math.floor(out.length / RECORD_WORDS));
    if (n === 0) return 0;
    const tail = Atomics.load(this.header, RH_TAIL);
    const w = this.words;
    // At most two contiguous pieces: up to the ring's end, then from its start.
    const start = this.offset(tail);
    const first = Math.min(n, this.capacity - (tail & this.mask));
    out.set(w.subarray(start, start + first * RECORD_WORDS), 0);
    if (first < n) out.set(w.subarray(0, (n - first) * RECORD_WORDS), first * RECORD_WORDS);
    Atomics.store(this.header, RH_TAIL, (tail + n) | 0);
    Atomics.notify(this.header, RH_TAIL);
    return n;
  }

  /** Records reserved and not yet consumed (published or not). */
  used(): number {
    return (Atomics.load(this.header, RH_HEAD) - Atomics.load(this.header, RH_TAIL)) | 0;
  }
}
