/**
 * TceTables: one thread's view of the machine's TCE tables, and their life cycle. The view is
 * built up in layers, each in its own file: the registry (table-registry.ts), the linked hardware
 * tables (hw-table-links.ts), the guest entries and backing pages (table-entries.ts). This file
 * adds what only the main thread does: create and remove guest and hardware tables, link them,
 * and hand out the arena.
 */
import {
  H_ARENA_CAPACITY, H_ARENA_USED, H_PAGES_CAPACITY, H_PAGES_USED, S_BUS_HI, S_BUS_LO,
  S_DATA, S_ENTRIES, S_FLAGS, S_GEN, S_LIOBN, S_LOCK, S_NPAGES, S_OFFSET_PAGES_F64_WORD, S_PAGES,
  S_PAGE_SHIFT, S_STATE, S_HW0, MAX_HW_PER_TABLE, SLOT_IN_KERNEL, STATE_FREE, STATE_LIVE, slotBase,
} from './layout.js';
import {
  HW_BUS_HI, HW_BUS_LO, HW_DATA, HW_ENTRIES, HW_FLAGS, HW_LEVEL_BASE, HW_LEVEL_SHIFT, HW_LEVELS, HW_PAGE_SHIFT, HW_STATE, HW_UA_CACHE,
} from '../host/hw-tables.js';
import { RangeFreeList } from '../host/hw-arena.js';
import { MAX_PAGE_SHIFT, MIN_PAGE_SHIFT } from '../papr/tce.js';
import { TableEntries } from './table-entries.js';
import type { TableGeometry } from './table-registry.js';

/** Where a table's entries and backing-page flags live, kept so a re-created window can reuse them. */
export interface TableArena {
  readonly data: number;
  readonly pages: number;
  /** Entries the range holds. */
  readonly capacity: number;
}

/**
 * One thread's view of the machine's TCE tables: the LIOBN registry, the entries, the lazily
 * allocated backing pages and each table's lock word. Built once per thread; every method used
 * by the tiers is allocation-free. A table is named by its registry slot. The life cycle below
 * is the main thread's only (KVM_CREATE_SPAPR_TCE_64 and QEMU).
 */
export class TceTables extends TableEntries {
  /**
   * Arena entries and level flags of removed hardware tables (src/host/hw-arena.ts). Only the
   * thread that creates tables uses them: the main thread's instance.
   */
  private readonly hwEntriesFree = new RangeFreeList();
  private readonly hwLevelsFree = new RangeFreeList();

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
}
