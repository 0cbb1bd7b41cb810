/**
 * The base of a thread's view of the machine's TCE tables (TceTables): the typed arrays over the
 * shared buffers, this thread's counters and write log, and the LIOBN registry's lookups.
 */
import {
  CONTROL_MAGIC, CONTROL_VERSION, FLAG_IN_KERNEL_MULTI_TCE, FLAG_RANGE_FIRST_PAGE,
  H_FLAGS, H_HOST_PAGE_SHIFT, H_MAGIC, H_MAX_TABLES, H_SPIN_BUDGET, H_VERSION, S_BUS_HI, S_BUS_LO,
  S_ENTRIES, S_FLAGS, S_LIOBN, S_LOCK, S_OFFSET_PAGES_F64_WORD, S_PAGE_SHIFT, S_STATE, SLOT_IN_KERNEL, STATE_LIVE, slotBase,
} from './layout.js';
import { HostIommu } from '../host/hw-tables.js';
import { FastTable } from './fast-table.js';
import { GuestRam } from './guest-ram.js';
import type { SharedMachine } from './shared-machine.js';
import type { WriteLog } from './write-log.js';

export interface TableGeometry {
  liobn: number;
  busOffset: bigint;
  pageShift: number;
  entries: number;
  /** Held by KVM (and shared with the QEMU model), or in the QEMU model only. */
  inKernel: boolean;
}

/**
 * One thread's view of the registry: which slot holds which table, and each table's geometry.
 * Built once per thread (as part of a TceTables); every lookup is allocation-free but geometry()
 * and liveSlots(), which the main thread uses.
 */
export class TableRegistry {
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

  // --- lookups (any thread, allocation-free) ---

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

  // --- for the main thread (allocate) ---

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
