/**
 * The QEMU model's trace points turned into QEMU 7.2's trace lines. A subclass says where a
 * line goes (a file, memory); every line is formatted here, once.
 */
import type { SpaprTraceObserver } from '../userspace/trace-observer.js';
import { formatGet, formatIndirect, formatPut, formatStuff, formatTraceEvent } from './trace-format.js';

const U64 = 0xffffffffffffffffn;

function hex64(v: bigint): string {
  return `0x${(v & U64).toString(16)}`;
}

/** QEMU picks the `pci_` event by bit 31 of the LIOBN as the guest passed it (SPAPR_IS_PCI_LIOBN on a target_ulong). */
function eventName(liobn: bigint, event: string): string {
  return (liobn & 0x80000000n) !== 0n ? `spapr_iommu_pci_${event}` : `spapr_iommu_${event}`;
}

/** spapr_iommu_[pci_]put on a LIOBN without a table: the 64-bit LIOBN and the ioba unmasked. */
function formatPutNoTable(liobn: bigint, ioba: bigint, tce: bigint, ret: number): string {
  return `${eventName(liobn, 'put')} liobn=${hex64(liobn)} ioba=${hex64(ioba)} tce=${hex64(tce)} ret=${ret}`;
}

function formatGetNoTable(liobn: bigint, ioba: bigint, ret: number, tce: bigint): string {
  return `${eventName(liobn, 'get')} liobn=${hex64(liobn)} ioba=${hex64(ioba)} ret=${ret} tce=${hex64(tce)}`;
}

export abstract class QemuTraceLines implements SpaprTraceObserver {
  protected abstract push(line: string): void;

  put(liobn: number, ioba: bigint, tce: bigint, ret: number): void {
    this.push(formatPut(liobn, ioba, tce, ret));
  }
  get(liobn: number, ioba: bigint, ret: number, tce: bigint): void {
    this.push(formatGet(liobn, ioba, ret, tce));
  }
  indirect(liobn: number, ioba: bigint, tceList: bigint, index: number, tce: bigint, ret: number): void {
    this.push(formatIndirect(liobn, ioba, tceList, index, tce, ret));
  }
  stuff(liobn: number, ioba: bigint, tceValue: bigint, npages: number, ret: number): void {
    this.push(formatStuff(liobn, ioba, tceValue, npages, ret));
  }
  putNoTable(liobn: bigint, ioba: bigint, tce: bigint, ret: number): void {
    this.push(formatPutNoTable(liobn, ioba, tce, ret));
  }
  getNoTable(liobn: bigint, ioba: bigint, ret: number, tce: bigint): void {
    this.push(formatGetNoTable(liobn, ioba, ret, tce));
  }
  newTable(liobn: number, table: bigint, fd: number): void {
    this.push(formatTraceEvent({ kind: 'new_table', liobn, table, fd }));
  }
  ddwQuery(buid: bigint, addr: number, windowsAvailable: number, maxWindowSize: bigint, mask: number): void {
    this.push(formatTraceEvent({ kind: 'ddw_query', buid, addr, windowsAvailable, maxWindowSize, mask }));
  }
  ddwCreate(buid: bigint, addr: number, pageSize: bigint, requested: bigint, startAddr: bigint, liobn: number): void {
    this.push(formatTraceEvent({ kind: 'ddw_create', buid, addr, pageSize, requested, startAddr, liobn }));
  }
  ddwRemove(liobn: number): void {
    this.push(formatTraceEvent({ kind: 'ddw_remove', liobn }));
  }
  ddwReset(buid: bigint, addr: number): void {
    this.push(formatTraceEvent({ kind: 'ddw_reset', buid, addr }));
  }
}
