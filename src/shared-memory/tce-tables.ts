import {
  CONTROL_MAGIC, CONTROL_VERSION, FLAG_IN_KERNEL_MULTI_TCE, FLAG_RANGE_FIRST_PAGE,
  H_ARENA_CAPACITY, H_ARENA_USED, H_FLAGS, H_HOST_PAGE_SHIFT, H_MAGIC, H_MAX_TABLES,
  H_PAGES_CAPACITY, H_PAGES_USED, H_SPIN_BUDGET, H_VERSION, HF_RAM_BYTES, S_BUS_HI, S_BUS_LO,
  S_DATA, S_ENTRIES, S_FLAGS, S_GEN, S_LIOBN, S_LOCK, S_NPAGES, S_OFFSET_PAGES_F64_WORD, S_PAGES,
  S_PAGE_SHIFT, S_STATE, S_HW0, MAX_HW_PER_TABLE, SLOT_IN_KERNEL, STATE_FREE, STATE_LIVE, controlWords, slotBase,
} from './layout.js';
import {
  HW_BUS_HI, HW_BUS_LO, HW_DATA, HW_ENTRIES, HW_FLAGS, HW_LEVEL_BASE, HW_LEVEL_SHIFT, HW_LEVELS, HW_PAGE_SHIFT, HW_STATE, HW_UA_CACHE,
  HWF_USERSPACE_PINNED,
  HostIommu, hostWords, initHostBuffer,
} from '../host/hw-tables.js';
import { RangeFreeList } from '../host/hw-arena.js';
import { FastTable } from './fast-table.js';
import { GuestRam } from './guest-ram.js';
import type { WriteLog } from './write-log.js';
import { MAX_PAGE_SHIFT, MIN_PAGE_SHIFT } from '../papr/tce.js';
import { POW2 } from '../papr/u64.js';

/** The shared buffers of one simulated machine; post this object to a worker to share them. */
export interface SharedMachine {
  readonly control: SharedArrayBuffer;
  /** TCE entries of every table, two Int32 words (lo, hi) per entry. */
  readonly arena: SharedArrayBuffer;
  /** One Int32 per kernel backing page: 1 when allocated. */
  readonly pages: SharedArrayBuffer;
  readonly ram: SharedArrayBuffer;
  readonly ramPageFlags: SharedArrayBuffer;
  /** Hardware IOMMU tables and preregistered regions (src/shared-memory/hw-tables.ts). */
  readonly host: SharedArrayBuffer;
}

export interface SharedMachineOptions {
  ramBytes: number;
  hostPageShift: number;
  inKernelMultiTce: boolean;
  rangeCheck: 'full' | 'firstPage';
  maxTables: number;
  /** TCE entries all tables together may hold (lazily committed memory). */
  arenaEntries: number;
  spinBudget: number;
  /** Hardware IOMMU tables that may exist at once. */
  maxHwTables?: number;
  /** Preregistered memory regions that may exist at once. */
  maxRegions?: number;
  /** QEMU's userspace address and the host physical address of guest physical 0 (src/host). */
  ramUserAddr?: number;
  ramHostPhys?: number;
}

const MAX_RAM_BYTES = 2 ** 34;

/** Main thread only: allocate a machine's shared buffers. */
export function allocateSharedMachine(o: SharedMachineOptions): SharedMachine {
  if (!Number.isInteger(o.ramBytes) || o.ramBytes < 2 ** o.hostPageShift || o.ramBytes > MAX_RAM_BYTES) {
    throw new RangeError(`ramBytes 0x${o.ramBytes.toString(16)} must be at least one host page and at most 16 GiB`);
  }
  if (!Number.isInteger(o.hostPageShift) || o.hostPageShift < 12 || o.hostPageShift > 24) {
    throw new RangeError(`hostPageShift ${o.hostPageShift} must be an integer from 12 to 24`);
  }
  const pagesCapacity = Math.ceil(o.arenaEntries / 2 ** (o.hostPageShift - 3)) + o.maxTables;
  const control = new SharedArrayBuffer(controlWords(o.maxTables) * 4);
  const c = new Int32Array(control);
  c[H_MAGIC] = CONTROL_MAGIC;
  c[H_VERSION] = CONTROL_VERSION;
  c[H_MAX_TABLES] = o.maxTables;
  c[H_HOST_PAGE_SHIFT] = o.hostPageShift;
  c[H_FLAGS] = (o.inKernelMultiTce ? FLAG_IN_KERNEL_MULTI_TCE : 0) | (o.rangeCheck === 'firstPage' ? FLAG_RANGE_FIRST_PAGE : 0);
  c[H_ARENA_CAPACITY] = o.arenaEntries;
  c[H_PAGES_CAPACITY] = pagesCapacity;
  c[H_SPIN_BUDGET] = o.spinBudget;
  new Float64Array(control)[HF_RAM_BYTES] = o.ramBytes;
  const maxHw = o.maxHwTables ?? 8;
  const maxRegions = o.maxRegions ?? 16;
  const host = new SharedArrayBuffer(hostWords(maxHw, maxRegions) * 4);
  initHostBuffer(host, maxHw, maxRegions, o.ramUserAddr, o.ramHostPhys);
  return {
    host,
    control,
    arena: new SharedArrayBuffer(o.arenaEntries * 8),
    pages: new SharedArrayBuffer(pagesCapacity * 4),
    ram: new SharedArrayBuffer(o.ramBytes),
    ramPageFlags: new SharedArrayBuffer(Math.ceil(o.ramBytes / 2 ** o.hostPageShift)),
  };
}

/** Where a table's entries and backing-page flags live, kept so a re-created window can reuse them. */
export interface TableArena {
  readonly data: number;
  readonly pages: number;
  /** Entries the range holds. */
  readonly capacity: number;
}

export interface TableGeometry {
  liobn: number;
  busOffset: bigint;
  pageShift: number;
  entries: number;
  /** Held by KVM (and shared with the QEMU model), or in the QEMU model only. */
  inKernel: boolean;
}

/**
 * One thread's view of the machine's TCE tables: the LIOBN registry, the entries, the lazily
 * allocated backing pages and each table's lock word. Built once per thread; every method used
 * by the tiers is allocation-free. A table is named by its registry slot.
 */
export class TceTables {
  readonly control: Int32Array;
  readonly controlF64: Float64Array;
  readonly data: Int32Array;
  readonly pages: Int32Array;
  readonly ram: GuestRam;
  readonly maxTables: number;
  readonly hostPageShift: number;
  /** log2 of TCEs per kernel backing page: a host page of u64s. */
  readonly entriesPerPageShift: number;
  /** TCEs per kernel backing page (2^entriesPerPageShift). */
  readonly entriesPerPage: number;
  readonly inKernelMultiTce: boolean;
  readonly rangeFirstPage: boolean;
  readonly spinBudget: number;
  readonly hw: HostIommu;
  /** Where this thread's table writes are recorded (the event log), or null. */
  writeLog: WriteLog | null = null;
  /** This thread's running counts, read by the modelled clock: guest-view writes, hardware writes, pages allocated. */
  statWrites = 0;
  statHwWrites = 0;
  statPages = 0;
  /** The entry the last storeEntryWord() replaced, as Int32 halves. */
  replacedLo = 0;
  replacedHi = 0;
  /** The table real mode's fast path used last on this thread (src/realmode/fast-path.ts). */
  readonly fast = new FastTable();
  /** The table slot findKernelTable() found last on this thread. */
  private lastSlot = 0;
  /**
   * Arena entries and level flags of removed hardware tables (src/host/hw-arena.ts). Only the
   * thread that creates tables uses them: the main thread's instance.
   */
  private readonly hwEntriesFree = new RangeFreeList();
  private readonly hwLevelsFree = new RangeFreeList();

  constructor(readonly shared: SharedMachine) {
    this.control = new Int32Array(shared.control);
    this.controlF64 = new Float64Array(shared.control);
    if (this.control[H_MAGIC] !== CONTROL_MAGIC || this.control[H_VERSION] !== CONTROL_VERSION) {
      throw new TypeError('not a tcesim machine control buffer (bad magic or version)');
    }
    this.data = new Int32Array(shared.arena);
    this.pages = new Int32Array(shared.pages);
    this.maxTables = this.control[H_MAX_TABLES] as number;
    this.hostPageShift = this.control[H_HOST_PAGE_SHIFT] as number;
    this.entriesPerPageShift = this.hostPageShift - 3;
    this.entriesPerPage = 2 ** this.entriesPerPageShift;
    const flags = this.control[H_FLAGS] as number;
    this.inKernelMultiTce = (flags & FLAG_IN_KERNEL_MULTI_TCE) !== 0;
    this.rangeFirstPage = (flags & FLAG_RANGE_FIRST_PAGE) !== 0;
    this.spinBudget = this.control[H_SPIN_BUDGET] as number;
    this.ram = new GuestRam(shared.ram, shared.ramPageFlags, this.hostPageShift);
    this.hw = new HostIommu(shared.host);
  }

  // --- registry lookups (any thread, allocation-free) ---

  /**
   * kvmppc_find_table: a live kernel table whose 64-bit LIOBN matches, or -1. Takes the frame's
   * raw Int32 halves: a LIOBN like 0x80000000 read as an unsigned number would be boxed.
   */
  findKernelTable(liobnHi32: number, liobnLo32: number): number {
    if ((liobnHi32 | 0) !== 0) return -1;
    const c = this.control;
    // The slot this thread found last, checked again in full (tables come and go): a vCPU
    // usually calls on the same table over and over.
    const last = this.lastSlot;
    const lb = slotBase(last);
    if (c[lb + S_LIOBN] === (liobnLo32 | 0) && c[lb + S_STATE] === STATE_LIVE && (c[lb + S_FLAGS]! & SLOT_IN_KERNEL) !== 0) return last;
    for (let slot = 0; slot < this.maxTables; slot++) {
      const b = slotBase(slot);
      if (c[b + S_STATE] === STATE_LIVE && (c[b + S_FLAGS]! & SLOT_IN_KERNEL) !== 0 && c[b + S_LIOBN] === (liobnLo32 | 0)) {
        this.lastSlot = slot;
        return slot;
      }
    }
    return -1;
  }

  /** Any live table with this 32-bit LIOBN, kernel-held or userspace-only, or -1. */
  findTable(liobn: number): number {
    const c = this.control;
    for (let slot = 0; slot < this.maxTables; slot++) {
      const b = slotBase(slot);
      if (c[b + S_STATE] === STATE_LIVE && c[b + S_LIOBN] === (liobn | 0)) return slot;
    }
    return -1;
  }

  isInKernel(slot: number): boolean {
    return (this.control[slotBase(slot) + S_FLAGS]! & SLOT_IN_KERNEL) !== 0;
  }
  liobn(slot: number): number {
    return this.control[slotBase(slot) + S_LIOBN]! >>> 0;
  }
  pageShift(slot: number): number {
    return this.control[slotBase(slot) + S_PAGE_SHIFT]!;
  }
  entries(slot: number): number {
    return this.control[slotBase(slot) + S_ENTRIES]! >>> 0;
  }
  /** Window start in IOMMU pages (busOffset >> pageShift). */
  offsetPages(slot: number): number {
    return this.controlF64[(slotBase(slot) + S_OFFSET_PAGES_F64_WORD) >> 1]!;
  }
  busOffsetLo(slot: number): number {
    return this.control[slotBase(slot) + S_BUS_LO]! >>> 0;
  }
  busOffsetHi(slot: number): number {
    return this.control[slotBase(slot) + S_BUS_HI]! >>> 0;
  }
  lockIndex(slot: number): number {
    return slotBase(slot) + S_LOCK;
  }

  // --- entries and backing pages (caller holds the table lock) ---

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

  // --- attached hardware tables (caller holds the guest table's lock) ---

  /** The k-th hardware table attached to a guest table, or -1. */
  attachedHw(slot: number, k: number): number {
    return this.control[slotBase(slot) + S_HW0 + k]! - 1;
  }
  hwPageShift(hw: number): number {
    return this.hw.hwWord(hw, HW_PAGE_SHIFT);
  }
  hwEntries(hw: number): number {
    return this.hw.hwWord(hw, HW_ENTRIES);
  }
  hwBusOffset(hw: number): bigint {
    return (BigInt(this.hw.hwWord(hw, HW_BUS_HI) >>> 0) << 32n) | BigInt(this.hw.hwWord(hw, HW_BUS_LO) >>> 0);
  }
  /** A v1 container's table (HWF_USERSPACE_PINNED): KVM leaves it to QEMU. */
  hwUserspacePinned(hw: number): boolean {
    return (this.hw.hwWord(hw, HW_FLAGS) & HWF_USERSPACE_PINNED) !== 0;
  }
  setHwUserspacePinned(hw: number, on: boolean): void {
    const flags = this.hw.hwWord(hw, HW_FLAGS);
    this.hw.setHwWord(hw, HW_FLAGS, on ? flags | HWF_USERSPACE_PINNED : flags & ~HWF_USERSPACE_PINNED);
  }
  hwUaCache(hw: number): boolean {
    return this.hw.hwWord(hw, HW_UA_CACHE) !== 0;
  }
  hwAllocateUaCache(hw: number): void {
    this.hw.setHwWord(hw, HW_UA_CACHE, 1);
  }
  /** Whether the indirect level page holding hardware entry e exists. */
  hwLevelPresent(hw: number, e: number): boolean {
    const shift = this.hw.hwWord(hw, HW_LEVEL_SHIFT);
    return shift === 0 || this.pages[this.hw.hwWord(hw, HW_LEVEL_BASE) + Math.floor(e / (POW2[shift] as number))] !== 0;
  }
  hwAllocateLevel(hw: number, e: number): void {
    const shift = this.hw.hwWord(hw, HW_LEVEL_SHIFT);
    if (shift !== 0) this.pages[this.hw.hwWord(hw, HW_LEVEL_BASE) + Math.floor(e / (POW2[shift] as number))] = 1;
  }
  hwEntryLo(hw: number, e: number): number {
    return this.data[(this.hw.hwWord(hw, HW_DATA) + e) * 2]! >>> 0;
  }
  hwEntryHi(hw: number, e: number): number {
    return this.data[(this.hw.hwWord(hw, HW_DATA) + e) * 2 + 1]! >>> 0;
  }
  hwWriteEntry(hw: number, e: number, hi: number, lo: number): void {
    const w = (this.hw.hwWord(hw, HW_DATA) + e) * 2;
    const oldLo = this.data[w]!;
    const oldHi = this.data[w + 1]!;
    this.data[w] = lo;
    this.data[w + 1] = hi;
    this.statHwWrites++;
    const log = this.writeLog;
    if (log !== null) log.recordWrite(true, hw, e, oldHi, oldLo, hi, lo);
  }

  // --- table life cycle (main thread only: KVM_CREATE_SPAPR_TCE_64 and QEMU) ---

  /**
   * Create a table and return its slot; throws a RangeError naming the bad value. `reuse`: the
   * arena range of a removed table of at least g.entries entries (zeroed here), so a window
   * that is removed and created again does not use up the arena.
   */
  create(g: TableGeometry, reuse?: TableArena): number {
    const liobn = g.liobn >>> 0;
    if (!Number.isInteger(g.liobn) || g.liobn < 0 || g.liobn > 0xffffffff) throw new RangeError(`liobn ${g.liobn} must be a 32-bit unsigned integer`);
    if (!Number.isInteger(g.pageShift) || g.pageShift < MIN_PAGE_SHIFT || g.pageShift > MAX_PAGE_SHIFT) {
      throw new RangeError(`table 0x${liobn.toString(16)}: pageShift ${g.pageShift} must be from ${MIN_PAGE_SHIFT} to ${MAX_PAGE_SHIFT}`);
    }
    if (!Number.isInteger(g.entries) || g.entries < 1) throw new RangeError(`table 0x${liobn.toString(16)}: entries ${g.entries} must be a positive integer`);
    if (g.busOffset < 0n || g.busOffset >= 2n ** 64n) throw new RangeError(`table 0x${liobn.toString(16)}: busOffset must be a 64-bit unsigned value`);
    if (g.busOffset & ((1n << BigInt(g.pageShift)) - 1n)) {
      throw new RangeError(`table 0x${liobn.toString(16)}: busOffset 0x${g.busOffset.toString(16)} is not aligned to its ${2 ** g.pageShift}-byte pages`);
    }
    const offsetPages = g.busOffset >> BigInt(g.pageShift);
    if (offsetPages + BigInt(g.entries) > (2n ** 64n - 1n) >> BigInt(g.pageShift)) {
      throw new RangeError(`table 0x${liobn.toString(16)}: window of ${g.entries} pages at 0x${g.busOffset.toString(16)} runs past the 64-bit bus space`);
    }
    if (this.findTable(liobn) >= 0) throw new RangeError(`liobn 0x${liobn.toString(16)} already has a table`);
    const c = this.control;
    let slot = -1;
    for (let s = 0; s < this.maxTables; s++) if (c[slotBase(s) + S_STATE] === STATE_FREE) { slot = s; break; }
    if (slot < 0) throw new RangeError(`no free table slot for liobn 0x${liobn.toString(16)} (maxTables ${this.maxTables})`);
    const npages = Math.ceil(g.entries / 2 ** this.entriesPerPageShift);
    const fits = reuse !== undefined && reuse.capacity >= g.entries;
    const used = fits ? reuse.data : this.allocateEntries(g.entries, `table 0x${liobn.toString(16)}`);
    const pagesUsed = fits ? reuse.pages : this.allocatePageFlags(npages, `table 0x${liobn.toString(16)}`);
    if (fits) {
      // A new table starts empty with no kernel page allocated.
      this.data.fill(0, used * 2, (used + g.entries) * 2);
      this.pages.fill(0, pagesUsed, pagesUsed + npages);
    }
    const b = slotBase(slot);
    c[b + S_FLAGS] = g.inKernel ? SLOT_IN_KERNEL : 0;
    c[b + S_LIOBN] = liobn | 0;
    c[b + S_PAGE_SHIFT] = g.pageShift;
    c[b + S_ENTRIES] = g.entries | 0;
    c[b + S_BUS_LO] = Number(g.busOffset & 0xffffffffn) | 0;
    c[b + S_BUS_HI] = Number(g.busOffset >> 32n) | 0;
    c[b + S_DATA] = used;
    c[b + S_PAGES] = pagesUsed;
    c[b + S_NPAGES] = npages;
    c[b + S_LOCK] = 0;
    for (let k = 0; k < MAX_HW_PER_TABLE; k++) c[b + S_HW0 + k] = 0;
    this.controlF64[(b + S_OFFSET_PAGES_F64_WORD) >> 1] = Number(offsetPages);
    // A userspace-only table is plain QEMU memory: no lazily allocated kernel pages.
    if (!g.inKernel) this.pages.fill(1, pagesUsed, pagesUsed + npages);
    Atomics.add(c, b + S_GEN, 1);
    // Publish last: a thread that sees STATE_LIVE sees the whole slot.
    Atomics.store(c, b + S_STATE, STATE_LIVE);
    return slot;
  }

  /** Hand out arena entries (main thread). */
  allocateEntries(count: number, what: string): number {
    const c = this.control;
    const used = c[H_ARENA_USED]!;
    if (used + count > c[H_ARENA_CAPACITY]!) throw new RangeError(`${what} of ${count} entries does not fit: ${c[H_ARENA_CAPACITY]! - used} arena entries left (raise arenaEntries)`);
    c[H_ARENA_USED] = used + count;
    return used;
  }

  /** Hand out page flags (main thread). */
  allocatePageFlags(count: number, what: string): number {
    const c = this.control;
    const used = c[H_PAGES_USED]!;
    if (used + count > c[H_PAGES_CAPACITY]!) throw new RangeError(`${what}: no page flags left (raise arenaEntries)`);
    c[H_PAGES_USED] = used + count;
    return used;
  }

  /**
   * Create a hardware IOMMU table (main thread). A multi-level table's indirect levels are
   * allocated on first use; real mode cannot allocate them.
   */
  createHwTable(g: { pageShift: number; entries: number; busOffset: bigint; levels: number }): number {
    const h = this.hw;
    let hw = -1;
    for (let i = 0; i < h.maxHw; i++) if (h.hwWord(i, HW_STATE) === 0) { hw = i; break; }
    if (hw < 0) throw new RangeError(`no room for another hardware table (max ${h.maxHw})`);
    if (!Number.isInteger(g.levels) || g.levels < 1 || g.levels > 5) throw new RangeError(`hardware table levels ${g.levels} must be from 1 to 5`);
    const levelShift = g.levels > 1 ? this.entriesPerPageShift : 0;
    const levelPages = levelShift === 0 ? 0 : Math.ceil(g.entries / 2 ** levelShift);
    const data = this.takeHwRange(this.hwEntriesFree, g.entries, () => this.allocateEntries(g.entries, 'hardware table'));
    let levelBase: number;
    try {
      levelBase = this.takeHwRange(this.hwLevelsFree, levelPages, () => this.allocatePageFlags(levelPages, 'hardware table levels'));
    } catch (e) {
      this.hwEntriesFree.give(data, g.entries);
      throw e;
    }
    // A range given back by a removed table may hold what it left: a new table starts empty,
    // with no indirect level allocated. Not logged: the log already has this table's slot
    // emptied entry by entry (a table is cleared before its last reference goes).
    this.data.fill(0, data * 2, (data + g.entries) * 2);
    this.pages.fill(0, levelBase, levelBase + levelPages);
    h.setHwWord(hw, HW_PAGE_SHIFT, g.pageShift);
    h.setHwWord(hw, HW_ENTRIES, g.entries);
    h.setHwWord(hw, HW_BUS_LO, Number(g.busOffset & 0xffffffffn) | 0);
    h.setHwWord(hw, HW_BUS_HI, Number(g.busOffset >> 32n) | 0);
    h.setHwWord(hw, HW_DATA, data);
    h.setHwWord(hw, HW_UA_CACHE, 0);
    h.setHwWord(hw, HW_LEVEL_SHIFT, levelShift);
    h.setHwWord(hw, HW_LEVEL_BASE, levelBase);
    h.setHwWord(hw, HW_FLAGS, 0);
    h.setHwWord(hw, HW_LEVELS, g.levels);
    h.setHwWord(hw, HW_STATE, 1);
    return hw;
  }

  /** A range freed by a removed hardware table if one fits, else a fresh one. */
  private takeHwRange(free: RangeFreeList, count: number, fresh: () => number): number {
    if (count === 0) return fresh();
    const start = free.take(count);
    return start >= 0 ? start : fresh();
  }

  /**
   * Free a hardware table's slot and give its arena range and level flags back for the next
   * table; the caller has cleared it and detached it.
   */
  removeHwTable(hw: number): void {
    const h = this.hw;
    const shift = h.hwWord(hw, HW_LEVEL_SHIFT);
    const entries = h.hwWord(hw, HW_ENTRIES);
    h.setHwWord(hw, HW_STATE, 0);
    this.hwEntriesFree.give(h.hwWord(hw, HW_DATA), entries);
    if (shift !== 0) this.hwLevelsFree.give(h.hwWord(hw, HW_LEVEL_BASE), Math.ceil(entries / 2 ** shift));
  }

  /** KVM-VFIO release: unlink a hardware table from a guest table (no-op when not linked). */
  detachHwTable(slot: number, hw: number): void {
    const b = slotBase(slot);
    const c = this.control;
    for (let k = 0; k < MAX_HW_PER_TABLE; k++) {
      if (c[b + S_HW0 + k] !== hw + 1) continue;
      // Keep the list dense: later links move up (the tiers stop at the first empty one).
      for (let j = k; j < MAX_HW_PER_TABLE - 1; j++) c[b + S_HW0 + j] = c[b + S_HW0 + j + 1]!;
      c[b + S_HW0 + MAX_HW_PER_TABLE - 1] = 0;
      Atomics.add(c, b + S_GEN, 1);
      return;
    }
  }

  /**
   * KVM-VFIO attach (kvm_spapr_tce_attach_iommu_group): the hardware table must have pages no
   * larger than the guest's, the same bus start, and a window at least as large. Throws (EINVAL).
   */
  attachHwTable(slot: number, hw: number): void {
    const h = this.hw;
    const g = this.geometry(slot);
    const hwShift = h.hwWord(hw, HW_PAGE_SHIFT);
    const hwBus = (BigInt(h.hwWord(hw, HW_BUS_HI) >>> 0) << 32n) | BigInt(h.hwWord(hw, HW_BUS_LO) >>> 0);
    const hwBytes = BigInt(h.hwWord(hw, HW_ENTRIES) >>> 0) << BigInt(hwShift);
    if (hwShift > g.pageShift || hwBus !== g.busOffset || hwBytes < BigInt(g.entries) << BigInt(g.pageShift)) {
      throw new RangeError(`hardware table ${hw} does not fit liobn 0x${g.liobn.toString(16)}'s window (EINVAL)`);
    }
    const b = slotBase(slot);
    for (let k = 0; k < MAX_HW_PER_TABLE; k++) {
      if (this.control[b + S_HW0 + k] === hw + 1) return; // already attached
      if (this.control[b + S_HW0 + k] === 0) {
        this.control[b + S_HW0 + k] = hw + 1;
        // Threads that copied the table's geometry copy it again (src/realmode/fast-path.ts).
        Atomics.add(this.control, b + S_GEN, 1);
        return;
      }
    }
    throw new RangeError(`liobn 0x${g.liobn.toString(16)} already has ${MAX_HW_PER_TABLE} hardware tables`);
  }

  /** Remove a table (window removal, fd close). Its arena space is not reused here: the QEMU model keeps it per LIOBN (src/userspace/spapr-iommu.ts); hardware tables give theirs back in removeHwTable. */
  remove(slot: number): void {
    const b = slotBase(slot);
    Atomics.store(this.control, b + S_STATE, STATE_FREE);
    Atomics.add(this.control, b + S_GEN, 1);
  }

  /** The arena range a table uses (read before removing it, to reuse it later). */
  arena(slot: number): TableArena {
    const b = slotBase(slot);
    return { data: this.control[b + S_DATA]!, pages: this.control[b + S_PAGES]!, capacity: this.entries(slot) };
  }

  /**
   * QEMU moved the table out of the kernel (need_vfio without KVM acceleration): KVM no longer
   * finds it, the entries stay. Threads that copied its geometry copy it again.
   */
  moveToUserspace(slot: number): void {
    const b = slotBase(slot);
    this.pages.fill(1, this.control[b + S_PAGES], this.control[b + S_PAGES]! + this.control[b + S_NPAGES]!);
    Atomics.and(this.control, b + S_FLAGS, ~SLOT_IN_KERNEL);
    Atomics.add(this.control, b + S_GEN, 1);
  }

  /** Slots of all live tables, in slot order. */
  liveSlots(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.maxTables; s++) if (this.control[slotBase(s) + S_STATE] === STATE_LIVE) out.push(s);
    return out;
  }

  geometry(slot: number): TableGeometry {
    return {
      liobn: this.liobn(slot),
      busOffset: (BigInt(this.busOffsetHi(slot)) << 32n) | BigInt(this.busOffsetLo(slot)),
      pageShift: this.pageShift(slot),
      entries: this.entries(slot),
      inKernel: this.isInKernel(slot),
    };
  }
}
