/**
 * One thread's way into the event ring: the call records its dispatcher appends and the table
 * writes its handlers make. Allocation-free; what it does when the ring is full is the thread's
 * policy:
 * - 'fail': real mode. A record that does not fit is a failure the caller turns into
 *   H_TOO_HARD (log-full); nothing is written.
 * - 'wait': tiers that may sleep wait for the consumer to make room.
 * - a function: the consumer's own thread drains the ring itself, then retries.
 *
 * Writes to consecutive entries of one table whose values step evenly (an H_STUFF_TCE, a
 * Linux H_PUT_TCE_INDIRECT list) are logged as one FILL record per run, in one reserved slot,
 * published before the table lock is released (releaseWrites). Only on threads whose death
 * ends the run (vCPU threads, the main thread): a virtual-mode pool worker ('wait') may die
 * mid-call and be recovered, so it logs each write as it makes it.
 */
import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_LO, F_OPCODE, F_SEQ, F_VCPU } from '../papr/frame.js';
import { F_MACHINE_EVENT, F_RES_END, F_RES_POS } from '../shared-memory/frame-slots.js';
import { TIER_REALMODE } from '../papr/tiers.js';
import type { WriteLog } from '../shared-memory/write-log.js';
import {
  FLAG_HW, FLAG_MACHINE_EVENT, FLAG_WROTE, KIND_CALL, KIND_COMPLETE, KIND_ENTER, KIND_ESCALATE, KIND_FILL, KIND_PAD, KIND_RETRY, KIND_WRITE,
  R_F64_CALL_COST, R_F64_TIME, R_F64_WALL, R_HEAD, R_P0, R_P1, R_P2, R_P3, R_P4, R_P5, R_P6, R_P7, R_P8, R_SEQ, R_THREAD, R_VCPU,
  RECORD_WORDS, entryDigest, recordHead,
} from './layout.js';
import { EventRing, type SharedRing } from './ring.js';

const CALL_HEAD = recordHead(KIND_CALL, TIER_REALMODE, 0, 0);
const CALL_HEAD_WROTE = recordHead(KIND_CALL, TIER_REALMODE, 0, FLAG_WROTE);

export type FullPolicy = 'fail' | 'wait' | (() => void);

/** The largest reservation a thread that may not wait makes at once (a quarter of the ring). */
export function maxNoWaitRecords(capacity: number): number {
  return capacity >>> 2;
}

export class EventWriter implements WriteLog {
  readonly ring: EventRing;
  private readonly words: Int32Array;
  private readonly f64: Float64Array;
  private readonly mayWait: boolean;
  private readonly drainSelf: (() => void) | null;
  private readonly noWaitMax: number;
  /** The call the next records belong to. */
  private vcpu = 0;
  private seq = 0;
  private tier = 0;
  /** Reserved write records: next position to fill and one past the last. */
  private pos = 0;
  private end = 0;
  /** Writes still to come in the current reservation (for chunked reservations). */
  private pending = 0;
  /** The thread this writer runs on, as R_THREAD records it (threadWord()); the main thread's by default. */
  thread = 0;
  /** The last position reserveCallRecords() reserved (where such a call's COMPLETE record goes). */
  callLast = 0;
  /** Frame where a worker that may crash mirrors its write reservation, or null. */
  private tracked: Int32Array | null = null;
  /** Whether runs of writes become FILL records (not on a thread that may die and be recovered). */
  readonly coalesces: boolean;
  /**
   * The run of writes not yet published (runCount 0: none): it holds the reserved slot at
   * `pos`. Values as unsigned 32-bit halves; the step is set by the run's second write.
   */
  private runCount = 0;
  private runHw = false;
  private runTable = 0;
  private runIndex = 0;
  private runLo = 0;
  private runHi = 0;
  private lastLo = 0;
  private lastHi = 0;
  private stepLo = 0;
  private stepHi = 0;
  private runChanged = 0;
  private runDigest = 0;
  /** The old value of a run's first write (a run of one is published as a plain WRITE record). */
  private firstOldLo = 0;
  private firstOldHi = 0;

  constructor(shared: SharedRing, readonly policy: FullPolicy) {
    this.ring = new EventRing(shared);
    this.words = this.ring.words;
    this.f64 = this.ring.f64;
    this.mayWait = policy !== 'fail';
    this.drainSelf = typeof policy === 'function' ? policy : null;
    this.noWaitMax = maxNoWaitRecords(this.ring.capacity);
    this.coalesces = policy !== 'wait';
  }

  /**
   * Mirror write reservations into the frame's F_RES_POS/F_RES_END, so that if this thread
   * dies holding one, the consumer's thread can pad it and the ring does not stall.
   */
  track(f: Int32Array | null): void {
    this.tracked = f;
  }

  private mirror(): void {
    const f = this.tracked;
    if (f === null) return;
    f[F_RES_POS] = this.pos;
    f[F_RES_END] = this.end;
  }

  /** Records appended from now on belong to this call and tier. */
  bind(vcpu: number, seq: number, tier: number): void {
    if (this.runCount !== 0) this.flushRun();
    this.vcpu = vcpu;
    this.seq = seq;
    this.tier = tier;
  }

  /**
   * n records at once, under this thread's policy, from position `this.ring.reserved` on; false
   * only under 'fail', when the ring has no room.
   */
  private reserve(n: number): boolean {
    const ring = this.ring;
    if (ring.tryReserve(n)) return true;
    if (!this.mayWait) return false;
    if (this.drainSelf === null) {
      ring.reserveWaiting(n);
      return true;
    }
    for (;;) {
      this.drainSelf();
      if (ring.tryReserve(n)) return true;
    }
  }

  private start(p: number, kind: number, tier: number, reason: number, flags: number): number {
    const o = this.ring.offset(p);
    const w = this.words;
    w[o + R_HEAD] = recordHead(kind, tier, reason, flags);
    w[o + R_VCPU] = this.vcpu;
    w[o + R_SEQ] = this.seq;
    w[o + R_THREAD] = this.thread;
    return o;
  }

  // --- table writes (WriteLog), under the table's lock ---

  /**
   * Reserve room for up to n table writes before the first is made. Under 'fail' it is all or
   * nothing (false: make no write, answer H_TOO_HARD log-full); otherwise it waits, in chunks
   * of at most a quarter of the ring.
   */
  reserveWrites(n: number): boolean {
    if (this.runCount !== 0) this.flushRun();
    if (n <= 0) {
      // An empty reservation, mirrored too: crash recovery must not see an older one.
      this.end = this.pos;
      this.pending = 0;
      this.mirror();
      return true;
    }
    if (!this.mayWait && n > this.noWaitMax) return false;
    const chunk = n > this.noWaitMax ? this.noWaitMax : n;
    if (!this.reserve(chunk)) return false;
    const p = this.ring.reserved;
    this.pos = p;
    this.end = (p + chunk) | 0;
    this.pending = n - chunk;
    this.mirror();
    return true;
  }

  recordWrite(hw: boolean, table: number, index: number, oldHi: number, oldLo: number, newHi: number, newLo: number): void {
    if (this.coalesces) {
      this.addRun(hw, table, index, 1, newHi, newLo, oldLo !== newLo || oldHi !== newHi ? 1 : 0, entryDigest(index, oldLo, oldHi));
      if (this.runCount === 1) {
        this.firstOldLo = oldLo;
        this.firstOldHi = oldHi;
      }
      return;
    }
    this.slot();
    const p = this.pos;
    this.fillWrite(p, hw, table, index, oldLo, oldHi, newLo, newHi);
    this.pos = (p + 1) | 0;
    if (this.tracked !== null) this.tracked[F_RES_POS] = this.pos;
  }

  recordFill(hw: boolean, table: number, index: number, count: number, hi: number, lo: number, changed: number, digest: number): void {
    if (!this.coalesces) throw new Error('recordFill on a writer that logs each write');
    if (count > 0) this.addRun(hw, table, index, count, hi, lo, changed, digest);
  }

  /**
   * `count` writes of hi:lo from entry `index` (count 1: any value): they extend the pending
   * run when they continue it (the next entries, each value one step on), else the run is
   * published and a new one starts.
   */
  private addRun(hw: boolean, table: number, index: number, count: number, hi: number, lo: number, changed: number, digest: number): void {
    const uLo = lo >>> 0;
    const uHi = hi >>> 0;
    if (this.runCount !== 0 && hw === this.runHw && table === this.runTable && index === this.runIndex + this.runCount) {
      // value - last, mod 2^64, in 32-bit halves.
      const dLo = (uLo - this.lastLo) >>> 0;
      const dHi = (uHi - this.lastHi - (uLo < this.lastLo ? 1 : 0)) >>> 0;
      const first = this.runCount === 1;
      // Several writes of one value continue only a run whose step is 0.
      if ((first || (dLo === this.stepLo && dHi === this.stepHi)) && (count === 1 || (dLo === 0 && dHi === 0))) {
        if (first) {
          this.stepLo = dLo;
          this.stepHi = dHi;
        }
        this.runCount += count;
        this.lastLo = uLo;
        this.lastHi = uHi;
        this.runChanged += changed;
        this.runDigest = (this.runDigest + digest) | 0;
        return;
      }
    }
    if (this.runCount !== 0) this.flushRun();
    this.slot();
    this.runCount = count;
    this.runHw = hw;
    this.runTable = table;
    this.runIndex = index;
    this.runLo = this.lastLo = uLo;
    this.runHi = this.lastHi = uHi;
    this.stepLo = 0;
    this.stepHi = 0;
    this.runChanged = changed;
    this.runDigest = digest | 0;
  }

  /** A reserved slot at `pos` for the next write record (the next chunk of the reservation when it is used up). */
  private slot(): void {
    if (this.pos !== this.end) return;
    // Only tiers that may wait reserve in chunks; for the others the reservation was an upper bound.
    if (this.pending <= 0 || !this.mayWait) throw new Error('table write without a reserved event record');
    const chunk = this.pending > this.noWaitMax ? this.noWaitMax : this.pending;
    this.reserve(chunk);
    this.pos = this.ring.reserved;
    this.end = (this.pos + chunk) | 0;
    this.pending -= chunk;
    this.mirror();
  }

  /** Publish the pending run in its slot: one WRITE record for a single write, else one FILL record. */
  private flushRun(): void {
    const p = this.pos;
    if (this.runCount === 1) {
      this.fillWrite(p, this.runHw, this.runTable, this.runIndex, this.firstOldLo, this.firstOldHi, this.runLo, this.runHi);
    } else {
      this.fillRun(p, this.runHw, this.runTable, this.runIndex, this.runCount, this.runLo, this.runHi, this.stepLo, this.stepHi, this.runChanged, this.runDigest);
    }
    this.pos = (p + 1) | 0;
    this.runCount = 0;
  }

  /** Fill and publish a WRITE record at reserved position p: one entry, its old and new value. */
  fillWrite(p: number, hw: boolean, table: number, index: number, oldLo: number, oldHi: number, newLo: number, newHi: number): void {
    const o = this.start(p, KIND_WRITE, this.tier, 0, hw ? FLAG_HW : 0);
    const w = this.words;
    w[o + R_P0] = table;
    w[o + R_P1] = index;
    w[o + R_P2] = oldLo;
    w[o + R_P3] = oldHi;
    w[o + R_P4] = newLo;
    w[o + R_P5] = newHi;
    this.ring.publish(p);
  }

  /**
   * Fill and publish a FILL record at reserved position p: `count` entries from `index` written
   * with lo:hi stepping by stepLo:stepHi, `changed` of them changed, `digest` over their old values.
   */
  fillRun(
    p: number, hw: boolean, table: number, index: number, count: number, lo: number, hi: number, stepLo: number, stepHi: number,
    changed: number, digest: number,
  ): void {
    const o = this.start(p, KIND_FILL, this.tier, 0, hw ? FLAG_HW : 0);
    const w = this.words;
    w[o + R_P0] = table;
    w[o + R_P1] = index;
    w[o + R_P2] = count;
    w[o + R_P3] = lo;
    w[o + R_P4] = hi;
    w[o + R_P5] = stepLo;
    w[o + R_P6] = stepHi;
    w[o + R_P7] = changed;
    w[o + R_P8] = digest;
    this.ring.publish(p);
  }

  /** Publish the reserved records no write used as padding; before the table lock is released. */
  releaseWrites(): void {
    if (this.runCount !== 0) this.flushRun();
    // Unused room at the ring's head goes back (runs of writes use far fewer records than the
    // writes reserved for); only room another reservation followed is padded. Not by a worker
    // whose reservation is mirrored for crash recovery: recovery pads the mirrored room, which
    // must not be given back first.
    if (this.pos !== this.end && this.tracked === null && this.ring.unreserve(this.pos, this.end)) this.end = this.pos;
    const w = this.words;
    while (this.pos !== this.end) {
      const p = this.pos;
      w[this.ring.offset(p) + R_HEAD] = KIND_PAD;
      this.ring.publish(p);
      this.pos = (p + 1) | 0;
    }
    this.pending = 0;
    this.mirror();
  }

  // --- call records (outside any table lock) ---

  /** The call entered; `tier` is the first tier tried. False only under 'fail' with a full ring. */
  enter(f: Int32Array, opcodeWord: number, tier: number, clockNs: number): boolean {
    if (this.runCount !== 0) this.flushRun();
    if (!this.reserve(1)) return false;
    const p = this.ring.reserved;
    this.fillEnter(p, f, opcodeWord, tier, clockNs);
    return true;
  }

  /** Fill and publish the ENTER record of the call in frame `f` at reserved position p. */
  fillEnter(p: number, f: Int32Array, opcodeWord: number, tier: number, clockNs: number): void {
    const o = this.start(p, KIND_ENTER, tier, 0, f[opcodeWord + F_MACHINE_EVENT] !== 0 ? FLAG_MACHINE_EVENT : 0);
    const w = this.words;
    for (let i = 0; i < 9; i++) w[o + R_P0 + i] = f[opcodeWord + i] as number;
    this.f64[(o >> 1) + R_F64_TIME] = clockNs;
    this.ring.publish(p);
  }

  escalate(from: number, reason: number, to: number, costNs: number): boolean {
    if (this.runCount !== 0) this.flushRun();
    if (!this.reserve(1)) return false;
    const p = this.ring.reserved;
    const o = this.start(p, KIND_ESCALATE, from, reason, 0);
    this.words[o + R_P0] = to;
    this.f64[(o >> 1) + R_F64_TIME] = costNs;
    this.ring.publish(p);
    return true;
  }

  retry(tier: number, reason: number, attempt: number): boolean {
    if (this.runCount !== 0) this.flushRun();
    if (!this.reserve(1)) return false;
    const p = this.ring.reserved;
    const o = this.start(p, KIND_RETRY, tier, reason, 0);
    this.words[o + R_P0] = attempt;
    this.ring.publish(p);
    return true;
  }

  complete(tier: number, ret: number, outLo: number, outHi: number, costNs: number, wallUs: number): boolean {
    if (this.runCount !== 0) this.flushRun();
    if (!this.reserve(1)) return false;
    const p = this.ring.reserved;
    this.fillComplete(p, tier, ret, outLo, outHi, costNs, wallUs);
    return true;
  }

  /** Fill and publish a COMPLETE record at reserved position p. */
  fillComplete(p: number, tier: number, ret: number, outLo: number, outHi: number, costNs: number, wallUs: number): void {
    const o = this.start(p, KIND_COMPLETE, tier, 0, 0);
    const w = this.words;
    w[o + R_P0] = ret;
    w[o + R_P1] = outLo;
    w[o + R_P2] = outHi;
    this.f64[(o >> 1) + R_F64_TIME] = costNs;
    this.f64[(o >> 1) + R_F64_WALL] = wallUs;
    this.ring.publish(p);
  }

  // --- real mode's fast path: one record per call ---

  /**
   * Reserve the CALL record of a fast-path call, without waiting, at position `callFirst`; false
   * when the ring is full (the caller leaves the call to the full path, which gives up with
   * log-full). Made while the table lock is held, so the record takes the write's place in the
   * table's order.
   */
  reserveCall(): boolean {
    if (this.runCount !== 0) this.flushRun();
    return this.ring.tryReserve(1);
  }

  /** The first position reserveCall() or reserveCallRecords() reserved (read before any other reservation). */
  get callFirst(): number {
    return this.ring.reserved;
  }

  /**
   * Reserve the `n` consecutive records of a real-mode fast-path call without waiting (its
   * ENTER, its write records and its COMPLETE, say), from `callFirst` to `callLast`; false when
   * the ring has no room for all of them (nothing reserved). Made while the table lock is held.
   */
  reserveCallRecords(n: number): boolean {
    if (this.runCount !== 0) this.flushRun();
    const ring = this.ring;
    if (!ring.tryReserve(n)) return false;
    this.callLast = (ring.reserved + n - 1) | 0;
    return true;
  }

  /**
   * Fill and publish a reserved CALL record from the call's frame: H_SUCCESS from real mode,
   * `wrote` with `lo`/`hi` the entry it replaced, otherwise `lo`/`hi` H_GET_TCE's value.
   */
  fillCall(p: number, f: Int32Array, wrote: boolean, lo: number, hi: number, clockNs: number, costNs: number): void {
    const o = this.ring.offset(p);
    const w = this.words;
    w[o + R_HEAD] = wrote ? CALL_HEAD_WROTE : CALL_HEAD;
    w[o + R_VCPU] = f[F_VCPU] as number;
    w[o + R_SEQ] = f[F_SEQ] as number;
    w[o + R_P0] = f[F_OPCODE] as number;
    w[o + R_P1] = f[F_LIOBN_LO] as number;
    w[o + R_P2] = f[F_IOBA_LO] as number;
    w[o + R_P3] = f[F_IOBA_HI] as number;
    w[o + R_P4] = f[F_ARG_LO] as number;
    w[o + R_P5] = f[F_ARG_HI] as number;
    w[o + R_P6] = lo;
    w[o + R_P7] = hi;
    const d = o >> 1;
    this.f64[d + R_F64_TIME] = clockNs;
    this.f64[d + R_F64_CALL_COST] = costNs;
    this.ring.publish(p);
  }

  /** Main thread only: append an already encoded record (tables, snapshots). */
  appendRaw(src: Int32Array, at: number): void {
    if (this.runCount !== 0) this.flushRun();
    if (!this.reserve(1)) throw new Error('event ring full');
    const p = this.ring.reserved;
    const o = this.ring.offset(p);
    for (let i = 1; i < RECORD_WORDS; i++) this.words[o + i] = src[at + i] as number;
    this.ring.publish(p);
  }
}

/**
 * Consumer's thread, after a producer died: publish the records [from, to) it had reserved
 * and not written as padding, so the ring moves past them.
 */
export function padAbandoned(ring: EventRing, from: number, to: number): number {
  let n = 0;
  for (let p = from; p !== to; p = (p + 1) | 0) {
    const o = ring.offset(p);
    if (Atomics.load(ring.words, o) === p) continue; // already published
    ring.words[o + R_HEAD] = KIND_PAD;
    ring.publish(p);
    n++;
  }
  return n;
}
