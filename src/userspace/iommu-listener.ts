/**
 * QEMU's IOMMU notifier interface for the guest-view TCE tables (memory_region_notify_iommu,
 * IOMMUNotifier): after every store the table tells its listeners MAP (the TCE carries a
 * permission) or UNMAP, and a listener that joins late asks for a replay of the live entries
 * (spapr_tce_replay). VFIO's listener (src/userspace/vfio-listener.ts) forwards them to a
 * container as MAP_DMA / UNMAP_DMA; a PHB's hotplug replay uses replayIommu.
 * Runs in: userspace (the main thread).
 */
import { TCE_PERM_MASK } from '../papr/tce.js';
import { toBig } from '../papr/u64.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/** QEMU's access flags for a TCE (spapr_tce_iommu_access_flags): none, RO, WO, RW. */
export type IommuPerm = 0 | 1 | 2 | 3;

/** What the guest-view table tells its IOMMU listeners after every store. */
export interface IommuNotification {
  readonly liobn: number;
  /** Window-relative bus address of the page. */
  readonly iova: bigint;
  readonly translatedAddr: bigint;
  readonly addrMask: bigint;
  readonly perm: IommuPerm;
  readonly type: 'MAP' | 'UNMAP';
}

export type IommuListener = (n: IommuNotification) => void;

/** The notification for entry `index` of a table now holding TCE (hi, lo). */
export function iommuNotification(tables: TceTables, slot: number, index: number, hi: number, lo: number): IommuNotification {
  const shift = BigInt(tables.pageShift(slot));
  const perm = (lo & TCE_PERM_MASK) as IommuPerm;
  return {
    liobn: tables.liobn(slot),
    iova: BigInt(index) << shift,
    translatedAddr: toBig(hi, lo) & ~((1n << shift) - 1n) & 0xffffffffffffffffn,
    addrMask: (1n << shift) - 1n,
    perm,
    type: perm === 0 ? 'UNMAP' : 'MAP',
  };
}

/**
 * spapr_tce_replay: tell one listener every entry of a table that maps something (permission
 * bits set), in index order. Returns how many were replayed. QEMU translates every page of the
 * window to find them, reading its mapping of a kernel-held table: that faults in — allocates
 * — every kernel backing page of the table, as this does.
 */
export function replayIommu(tables: TceTables, slot: number, listener: IommuListener): number {
  let n = 0;
  const entries = tables.entries(slot);
  for (let p = 0; p * tables.entriesPerPage < entries; p++) if (!tables.pageAllocated(slot, p)) tables.allocatePage(slot, p);
  for (let i = 0; i < entries; i++) {
    const lo = tables.entryLo(slot, i);
    if ((lo & TCE_PERM_MASK) === 0) continue;
    listener(iommuNotification(tables, slot, i, tables.entryHi(slot, i), lo));
    n++;
  }
  return n;
}
