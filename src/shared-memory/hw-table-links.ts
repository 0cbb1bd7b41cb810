/**
 * The hardware IOMMU tables linked to guest tables (KVM-VFIO), as a thread's TceTables reads and
 * writes them: their geometry words, entries and indirect levels. The caller holds the guest
 * table's lock; every method is allocation-free.
 */
import { S_HW0, slotBase } from './layout.js';
import {
  HW_BUS_HI, HW_BUS_LO, HW_DATA, HW_ENTRIES, HW_FLAGS, HW_LEVEL_BASE, HW_LEVEL_SHIFT, HW_PAGE_SHIFT, HW_UA_CACHE,
  HWF_USERSPACE_PINNED,
} from '../host/hw-tables.js';
import { POW2 } from '../papr/u64.js';
import { TableRegistry } from './table-registry.js';

export class HwTableLinks extends TableRegistry {
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
}
