/**
 * QEMU's `spapr_iommu_*` hcall trace points, as an observer of the QEMU model. Each handler
 * calls it where QEMU's handler calls its trace point, with the values QEMU passes: nothing for
 * a call refused before the loop (unknown LIOBN, an INDIRECT list over 512 entries or
 * misaligned, a STUFF larger than the table), the masked ioba for PUT and GET, the caller's
 * ioba for INDIRECT, and for STUFF the ioba as the loop left it.
 *
 * The QEMU model holds it in `SpaprIommu.trace`; when that is null a handler pays one
 * comparison and builds nothing. Runs in: userspace (the main thread).
 */
import { toBig } from '../papr/u64.js';

export interface SpaprTraceObserver {
  /** spapr_iommu_[pci_]put: ioba masked to the page. */
  put(liobn: number, ioba: bigint, tce: bigint, ret: number): void;
  /** spapr_iommu_[pci_]get: ioba masked to the page; tce 0 on failure. */
  get(liobn: number, ioba: bigint, ret: number, tce: bigint): void;
  /**
   * spapr_iommu_[pci_]indirect: the caller's ioba; `index` is the last entry applied, or the
   * one before the failing entry (0 when none); `tce` the last entry read (0 when none).
   */
  indirect(liobn: number, ioba: bigint, tceList: bigint, index: number, tce: bigint, ret: number): void;
  /** spapr_iommu_[pci_]stuff: ioba = the masked start + pages the loop got through · page size. */
  stuff(liobn: number, ioba: bigint, tceValue: bigint, npages: number, ret: number): void;
  /**
   * spapr_iommu_[pci_]put and _get on a LIOBN QEMU has no table for (unknown, or with upper
   * bits set): the 64-bit LIOBN and the ioba as the guest passed them, ret H_PARAMETER, tce 0 for get.
   */
  putNoTable(liobn: bigint, ioba: bigint, tce: bigint, ret: number): void;
  getNoTable(liobn: bigint, ioba: bigint, ret: number, tce: bigint): void;
  /** spapr_iommu_new_table: a window was enabled; `table` stands for QEMU's host pointer, `fd` the KVM table's fd or -1. */
  newTable(liobn: number, table: bigint, fd: number): void;
  /** spapr_iommu_ddw_query: windows available, the largest block QEMU prints, the query mask. */
  ddwQuery(buid: bigint, addr: number, windowsAvailable: number, maxWindowSize: bigint, mask: number): void;
  /** spapr_iommu_ddw_create: page and window sizes in bytes, the window's start and LIOBN. */
  ddwCreate(buid: bigint, addr: number, pageSize: bigint, requested: bigint, startAddr: bigint, liobn: number): void;
  ddwRemove(liobn: number): void;
  /** Also printed, addr 0, by the reset QEMU does when the last non-default window is removed. */
  ddwReset(buid: bigint, addr: number): void;
}

const U64 = 0xffffffffffffffffn;

/** The ioba (hi, lo) masked to a 2^pageShift page, plus `pages` pages, wrapped to 64 bits as QEMU's target_ulong is. */
export function tracedIoba(pageShift: number, hi: number, lo: number, pages = 0): bigint {
  const shift = BigInt(pageShift);
  return (((toBig(hi, lo) >> shift) + BigInt(pages)) << shift) & U64;
}
