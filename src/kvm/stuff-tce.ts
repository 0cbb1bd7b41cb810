/**
 * H_STUFF_TCE in KVM (kvmppc_h_stuff_tce, kvmppc_rm_h_stuff_tce): table lookup, ioba and
 * range, backing pages (unless clearing), then the value may carry no permission bit (the
 * kernel only clears or poisons), then the attached hardware tables are cleared and every
 * guest-view entry is written.
 * Runs in: real mode and virtual mode; allocation-free.
 */
import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, u32 } from '../papr/frame.js';
import { REASON_HCALL_DISABLED, REASON_NO_TABLE, REASON_PAGE_NOT_ALLOCATED } from '../papr/reasons.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { kvmIobaIndex, tceHasPermission } from '../papr/rules.js';
import { toBoundedNumber } from '../papr/u64.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { KvmAbilities } from './abilities.js';
import { kvmHwUnmapRange, kvmHwWritable } from './hardware.js';
import { kvmTceFill, lockTable, reserveLocked, unlockTable } from './common.js';
import { punt } from './punt.js';

export function kvmStuffTce(ab: KvmAbilities, t: TceTables, f: Int32Array): number {
  // A disabled hcall never reaches the kernel handler (KVM_CAP_PPC_ENABLE_HCALL).
  if (!t.inKernelMultiTce) return punt(f, REASON_HCALL_DISABLED);
  const slot = t.findKernelTable(f[F_LIOBN_HI] as number, f[F_LIOBN_LO] as number);
  if (slot < 0) return punt(f, REASON_NO_TABLE);
  const iobaHi = u32(f, F_IOBA_HI);
  const iobaLo = u32(f, F_IOBA_LO);
  const npagesHi = u32(f, F_NPAGES_HI);
  const npagesLo = u32(f, F_NPAGES_LO);
  const shift = t.pageShift(slot);
  const offset = t.offsetPages(slot);
  const entries = t.entries(slot);
  const index = kvmIobaIndex(shift, offset, entries, t.rangeFirstPage, iobaHi, iobaLo, npagesHi, npagesLo);
  if (index < 0) return H_PARAMETER;
  const npages = toBoundedNumber(npagesHi, npagesLo);
  const locked = lockTable(ab, t, f, slot, 0);
  if (locked !== H_SUCCESS) return locked;
  // Counted under the lock, where backing pages cannot appear: a clear skips missing ones, so
  // clearing a table that was never written reserves (and pads) nothing.
  const reserved = reserveLocked(t, f, slot, stuffWrites(ab, t, f, slot, index, Math.min(index + npages, entries)));
  if (reserved !== H_SUCCESS) return reserved;
  const ret = stuffLocked(ab, t, f, slot, index, npages, entries);
  unlockTable(t, f, slot);
  return ret;
}

/**
 * The write records a stuff of entries [index, end) can need: guest-view entries, then hardware
 * ones. A log that takes runs needs one per backing page written at most (hardware tables
 * attached: one per write, as they interleave).
 */
function stuffWrites(ab: KvmAbilities, t: TceTables, f: Int32Array, slot: number, index: number, end: number): number {
  const clearing = u32(f, F_ARG_HI) === 0 && u32(f, F_ARG_LO) === 0;
  const onlyAllocated = clearing || !ab.mayAllocate;
  const perEntry = t.writesPerEntry(slot);
  if (perEntry === 1 && t.writeLog !== null && t.writeLog.coalesces) return writtenPages(t, slot, index, end, onlyAllocated);
  const guest = onlyAllocated ? t.allocatedEntries(slot, index, end) : end - index;
  return guest + (end - index) * (perEntry - 1);
}

/** Backing pages over entries [index, end) (only those present, when `onlyAllocated`). */
function writtenPages(t: TceTables, slot: number, index: number, end: number, onlyAllocated: boolean): number {
  if (index >= end) return 0;
  const first = t.pageOf(index);
  const last = t.pageOf(end - 1);
  if (!onlyAllocated) return last - first + 1;
  let n = 0;
  for (let p = first; p <= last; p++) if (t.pageAllocated(slot, p)) n++;
  return n;
}

function stuffLocked(ab: KvmAbilities, t: TceTables, f: Int32Array, slot: number, index: number, npages: number, entries: number): number {
  const hi = u32(f, F_ARG_HI);
  const lo = u32(f, F_ARG_LO);
  const clearing = hi === 0 && lo === 0;
  if (!ab.mayAllocate && !clearing && !t.pagesAllocated(slot, index, npages)) return punt(f, REASON_PAGE_NOT_ALLOCATED);
  if (tceHasPermission(lo)) return H_PARAMETER;
  const writable = kvmHwWritable(t, slot, f);
  if (writable !== H_SUCCESS) return writable;
  // Entries past the window (first-page-only check) would be outside the table: not written.
  const end = Math.min(index + npages, entries);
  kvmHwUnmapRange(t, slot, index, end);
  kvmTceFill(ab, t, slot, index, end, hi, lo);
  return H_SUCCESS;
}
