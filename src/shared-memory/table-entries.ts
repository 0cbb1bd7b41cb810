/**
 * A guest table's entries and its lazily allocated backing pages, as a thread's TceTables reads
 * and writes them, with the write log's room for a call's writes. The caller holds the table's
 * lock; every method is allocation-free.
 */
import { MAX_HW_PER_TABLE, S_DATA, S_LIOBN, S_NPAGES, S_PAGES, slotBase } from './layout.js';
import { POW2 } from '../papr/u64.js';
import { HwTableLinks } from './hw-table-links.js';

export class TableEntries extends HwTableLinks {
  entryLo(slot: number, index: number): number {
    return this.data[(this.control[slotBase(slot) + S_DATA]! + index) * 2]! >>> 0;
  }
  entryHi(slot: number, index: number): number {
    return this.data[(this.control[slotBase(slot) + S_DATA]! + index) * 2 + 1]! >>> 0;
  }
  /** Store an entry by its arena word (its low half) when nobody needs the value it replaces (no write log). */
  putEntryWord(w: number, hi: number, lo: number): void {
    this.data[w] = lo;
    this.data[w + 1] = hi;
    this.statWrites++;
  }
  /**
   * Store an entry by its arena word, leaving the value it replaced in replacedLo / replacedHi;
   * the caller logs the write (writeEntry does; real mode's CALL record does).
   */
  storeEntryWord(w: number, hi: number, lo: number): void {
    this.replacedLo = this.data[w]!;
    this.replacedHi = this.data[w + 1]!;
    this.data[w] = lo;
    this.data[w + 1] = hi;
    this.statWrites++;
  }
  /** Write a guest-view entry; the write log hears old and new. */
  writeEntry(slot: number, index: number, hi: number, lo: number): void {
    this.storeEntryWord((this.control[slotBase(slot) + S_DATA]! + index) * 2, hi, lo);
    // Logged once made: a worker that dies right after a write has it in the log.
    const log = this.writeLog;
    if (log !== null) log.recordWrite(false, this.control[slotBase(slot) + S_LIOBN]!, index, this.replacedHi, this.replacedLo, hi, lo);
  }
  /** Room in the write log for up to n writes (guest-view and hardware); false: make none. */
  reserveWrites(n: number): boolean {
    return this.writeLog === null || this.writeLog.reserveWrites(n);
  }
  releaseWrites(): void {
    if (this.writeLog !== null) this.writeLog.releaseWrites();
  }
  /** Writes one guest entry can cause: itself and its hardware entries in every attached table. */
  writesPerEntry(slot: number): number {
    let n = 1;
    const shift = this.pageShift(slot);
    for (let k = 0; k < MAX_HW_PER_TABLE; k++) {
      const hw = this.attachedHw(slot, k);
      if (hw < 0) break;
      n += POW2[shift - this.hwPageShift(hw)] as number;
    }
    return n;
  }
  /**
   * Extra writes a call can make when a hardware map fails part-way through an entry: the failing
   * table's subpages written so far, then all of them cleared again (kvmHwUpdate), and no guest
   * write. At most one entry fails per call, so a call reserves this once on top of its entries.
   */
  writesOnHwFailure(slot: number): number {
    let most = 0;
    const shift = this.pageShift(slot);
    for (let k = 0; k < MAX_HW_PER_TABLE; k++) {
      const hw = this.attachedHw(slot, k);
      if (hw < 0) break;
      const n = POW2[shift - this.hwPageShift(hw)] as number;
      if (n > most) most = n;
    }
    return most;
  }
  pageAllocated(slot: number, page: number): boolean {
    return this.pages[this.control[slotBase(slot) + S_PAGES]! + page] !== 0;
  }
  /** Whether every backing page under entries [index, index + count) is allocated. */
  pagesAllocated(slot: number, index: number, count: number): boolean {
    if (count <= 0) return true;
    const first = Math.floor(index / this.entriesPerPage);
    const last = Math.floor((index + count - 1) / this.entriesPerPage);
    const base = this.control[slotBase(slot) + S_PAGES]!;
    const npages = this.control[slotBase(slot) + S_NPAGES]!;
    for (let p = first; p <= last; p++) {
      // A page past the table's end does not exist: it is never allocated.
      if (p >= npages || this.pages[base + p] === 0) return false;
    }
    return true;
  }
  /** How many of entries [index, end) have their backing page allocated. */
  allocatedEntries(slot: number, index: number, end: number): number {
    const per = this.entriesPerPage;
    let n = 0;
    for (let i = index; i < end;) {
      const pageEnd = (Math.floor(i / per) + 1) * per;
      const stop = pageEnd < end ? pageEnd : end;
      if (this.pageAllocated(slot, this.pageOf(i))) n += stop - i;
      i = stop;
    }
    return n;
  }
  allocatePage(slot: number, page: number): void {
    this.statPages++;
    this.pages[this.control[slotBase(slot) + S_PAGES]! + page] = 1;
  }
  pageOf(index: number): number {
    return Math.floor(index / this.entriesPerPage);
  }
}
