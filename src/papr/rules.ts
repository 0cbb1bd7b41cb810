/**
 * The validation rules every tier shares, written once. Tiers differ in what they may do
 * (allocate, sleep, punt), never in how they check. Arguments are 32-bit halves and plain
 * numbers; nothing here allocates.
 * Runs in: every tier.
 */
import { H_PARAMETER, H_SUCCESS } from './return-codes.js';
import { TCE_LIST_ALIGN_MASK, TCE_LIST_MAX_ENTRIES, TCE_PERM_MASK } from './tce.js';
import { lowBitsZero, shiftRight, toBoundedNumber } from './u64.js';

/**
 * KVM's ioba check (kvmppc_ioba_validate / iommu_tce_check_ioba): the ioba must be aligned to
 * the window's page and lie inside the window; with the full range check the npages that
 * follow must fit too, while kernels since 2017 check only the first page. Answers the entry's
 * index in the table, or -1 for H_PARAMETER.
 */
export function kvmIobaIndex(
  pageShift: number, offsetPages: number, entries: number, firstPageOnly: boolean,
  iobaHi: number, iobaLo: number, npagesHi: number, npagesLo: number,
): number {
  if (!lowBitsZero(iobaHi, iobaLo, pageShift)) return -1;
  const index = shiftRight(iobaHi, iobaLo, pageShift) - offsetPages;
  if (index < 0 || index >= entries) return -1;
  if (!firstPageOnly && index + toBoundedNumber(npagesHi, npagesLo) > entries) return -1;
  return index;
}

/** A TCE maps something when either permission bit is set; otherwise it is a clear or a poison. */
export function tceHasPermission(tceLo: number): boolean {
  return (tceLo & TCE_PERM_MASK) !== 0;
}

/** A mapping TCE's address (tce & ~3) must have no bits below the window's page size. */
export function tceAddressAligned(tceHi: number, tceLo: number, pageShift: number): boolean {
  return lowBitsZero(tceHi, tceLo & ~TCE_PERM_MASK, pageShift);
}

/** Guest physical address low half of a TCE: the permission bits masked off. */
export function tceGpaLo(tceLo: number): number {
  return (tceLo & ~TCE_PERM_MASK) >>> 0;
}

/** H_PUT_TCE_INDIRECT's list limits, the same in KVM and QEMU: at most 512 entries, 4 KiB aligned. */
export function indirectListCheck(npagesHi: number, npagesLo: number, listLo: number): number {
  if (npagesHi !== 0 || npagesLo > TCE_LIST_MAX_ENTRIES) return H_PARAMETER;
  if ((listLo & TCE_LIST_ALIGN_MASK) !== 0) return H_PARAMETER;
  return H_SUCCESS;
}

/** QEMU looks tables up by a 32-bit LIOBN: any of the upper 32 bits set is "not found". */
export function qemuLiobnValid(liobnHi: number): boolean {
  return liobnHi === 0;
}

/**
 * QEMU's entry index (put_tce_emu / get_tce_emu): the ioba is masked down to the page, then
 * index = (ioba - busOffset) >> pageShift in unsigned 64-bit arithmetic, so an ioba below the
 * window wraps to a huge index. Returns the index, or -1 when it is not below `entries`.
 */
export function qemuEntryIndex(
  pageShift: number, busHi: number, busLo: number, entries: number, iobaHi: number, iobaLo: number,
): number {
  let lo = iobaLo - busLo;
  let borrow = 0;
  if (lo < 0) { lo += 4294967296; borrow = 1; }
  const hi = (iobaHi - busHi - borrow) >>> 0;
  const index = shiftRight(hi, lo, pageShift);
  return index < entries ? index : -1;
}
