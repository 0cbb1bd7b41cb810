/**
 * Writing through to the hardware IOMMU tables attached to a guest-view table
 * (kvmppc_tce_iommu_map/unmap and their real-mode twins). Each guest entry drives
 * 2^(guest shift − hardware shift) hardware entries. On a failure the failing table's entry is
 * cleared and the error returned; tables handled before it keep the new mapping.
 * Runs in: real mode and virtual mode, under the guest table's lock; allocation-free.
 */
import { REASON_HW_LEVEL_MISSING, REASON_NOT_PREREGISTERED, REASON_PREREG_PAGE_TOO_SMALL, REASON_REGION_UNREGISTERING, REASON_UA_CACHE_MISSING } from '../papr/reasons.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import { tceGpaLo } from '../papr/rules.js';
import { TCE_PERM_MASK } from '../papr/tce.js';
import { POW2 } from '../papr/u64.js';
import { hwTceHi, hwTceLo } from '../host/hw-tables.js';
import { MAX_HW_PER_TABLE } from '../shared-memory/layout.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { KvmAbilities } from './abilities.js';
import { punt } from './punt.js';

/**
 * The per-hardware-table part of TCE validation: the page must be in preregistered memory,
 * in a region whose pages are at least as large as the hardware page.
 */
export function kvmHwValidate(t: TceTables, slot: number, f: Int32Array, gpa: number): number {
  for (let k = 0; k < MAX_HW_PER_TABLE; k++) {
    const hw = t.attachedHw(slot, k);
    if (hw < 0) break;
    const shift = t.hwPageShift(hw);
    const r = t.hw.regionFor(t.hw.uaBase + gpa, (POW2[shift] as number));
    if (r < 0) return punt(f, REASON_NOT_PREREGISTERED);
    if (t.hw.regionPageShift(r) < shift) return punt(f, REASON_PREREG_PAGE_TOO_SMALL);
  }
  return H_SUCCESS;
}

/**
 * Whether KVM may write the attached hardware tables at all: a v1 container's table holds pages
 * VFIO pinned one by one, which KVM can neither pin nor release, so every write to it — clears
 * included — goes to QEMU and its MAP_DMA/UNMAP_DMA (reference §3.8: v1 is never accelerated).
 * Checked before anything is written.
 */
export function kvmHwWritable(t: TceTables, slot: number, f: Int32Array): number {
  for (let k = 0; k < MAX_HW_PER_TABLE; k++) {
    const hw = t.attachedHw(slot, k);
    if (hw < 0) break;
    if (t.hwUserspacePinned(hw)) return punt(f, REASON_NOT_PREREGISTERED);
  }
  return H_SUCCESS;
}

/** Map (permission bits) or unmap (none) guest entry `index` in every attached hardware table. */
export function kvmHwUpdate(ab: KvmAbilities, t: TceTables, f: Int32Array, slot: number, index: number, hi: number, lo: number): number {
  const guestShift = t.pageShift(slot);
  for (let k = 0; k < MAX_HW_PER_TABLE; k++) {
    const hw = t.attachedHw(slot, k);
    if (hw < 0) break;
    const ret = updateOne(ab, t, f, hw, guestShift, index, hi, lo);
    if (ret !== H_SUCCESS) {
      clearGuestEntry(t, hw, guestShift, index);
      return ret;
    }
  }
  return H_SUCCESS;
}

/** Unmap guest entries [index, end) in every attached hardware table (H_STUFF_TCE). */
export function kvmHwUnmapRange(t: TceTables, slot: number, index: number, end: number): void {
  const guestShift = t.pageShift(slot);
  for (let k = 0; k < MAX_HW_PER_TABLE; k++) {
    const hw = t.attachedHw(slot, k);
    if (hw < 0) break;
    for (let i = index; i < end; i++) clearGuestEntry(t, hw, guestShift, i);
  }
}

function updateOne(ab: KvmAbilities, t: TceTables, f: Int32Array, hw: number, guestShift: number, index: number, hi: number, lo: number): number {
  const hwShift = t.hwPageShift(hw);
  const count = (POW2[guestShift - hwShift] as number);
  const first = index * count;
  const perm = lo & TCE_PERM_MASK;
  if (perm === 0) {
    for (let i = 0; i < count; i++) unmapEntry(t, hw, first + i);
    return H_SUCCESS;
  }
  // The userspace-address cache is vmalloc'ed: only virtual mode can create it, so the first
  // mapping of a fresh hardware window always leaves real mode.
  if (!t.hwUaCache(hw)) {
    if (!ab.mayAllocate) return punt(f, REASON_UA_CACHE_MISSING);
    t.hwAllocateUaCache(hw);
  }
  const gpa = hi * 4294967296 + tceGpaLo(lo);
  const page = (POW2[hwShift] as number);
  for (let i = 0; i < count; i++) {
    const e = first + i;
    if (!t.hwLevelPresent(hw, e)) {
      if (!ab.mayAllocate) return punt(f, REASON_HW_LEVEL_MISSING);
      t.hwAllocateLevel(hw, e);
    }
    const at = gpa + i * page;
    const r = t.hw.regionFor(t.hw.uaBase + at, page);
    if (r < 0) return punt(f, REASON_NOT_PREREGISTERED);
    if (!t.hw.mappedInc(r)) return punt(f, REASON_REGION_UNREGISTERING);
    hwReleaseMapped(t, hw, e);
    t.hwWriteEntry(hw, e, hwTceHi(t.hw.hpaBase, at), hwTceLo(t.hw.hpaBase, at, perm));
  }
  return H_SUCCESS;
}

function clearGuestEntry(t: TceTables, hw: number, guestShift: number, index: number): void {
  const count = (POW2[guestShift - t.hwPageShift(hw)] as number);
  for (let i = 0; i < count; i++) unmapEntry(t, hw, index * count + i);
}

function unmapEntry(t: TceTables, hw: number, e: number): void {
  if (!t.hwLevelPresent(hw, e)) return; // nothing was ever mapped under a missing level
  hwReleaseMapped(t, hw, e);
  t.hwWriteEntry(hw, e, 0, 0);
}

/**
 * The preregistered region the old hardware entry pointed into loses one mapping
 * (mm_iommu_mapped_dec). Shared with VFIO v2's map and unmap (src/host/vfio).
 */
export function hwReleaseMapped(t: TceTables, hw: number, e: number): void {
  const lo = t.hwEntryLo(hw, e);
  if ((lo & TCE_PERM_MASK) === 0) return;
  const gpa = t.hwEntryHi(hw, e) * 4294967296 + ((lo & ~TCE_PERM_MASK) >>> 0) - t.hw.hpaBase;
  const r = t.hw.regionFor(t.hw.uaBase + gpa, (POW2[t.hwPageShift(hw)] as number));
  if (r >= 0) t.hw.mappedDec(r);
}
