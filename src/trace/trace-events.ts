/**
 * QEMU's `spapr_iommu_*` trace events (hw/ppc/trace-events, QEMU 7.2) as a discriminated union:
 * one named type per event, fields named as QEMU prints them. Values are what QEMU passed to
 * the trace point, not what the guest passed to the hcall (see docs/qemu-traces.md for the
 * difference, and src/trace/trace-calls.ts for rebuilding the call).
 *
 * LIOBNs are plain numbers: the low 32 bits in `liobn`, and for the hcall events the high 32
 * bits in `liobnHi` (QEMU prints the guest's 64-bit r4; a LIOBN with any high bit set has no
 * table, so only a failed put or get carries one). Kept as two numbers so the common line
 * makes no bigint for it. Bus addresses and TCEs are u64 and are bigints.
 */

/** The four hcall events. `pci`: the `spapr_iommu_pci_*` variant (QEMU picks it when liobn & 0x80000000). */
export interface TracePut {
  readonly kind: 'put';
  readonly pci: boolean;
  readonly liobn: number;
  /** High 32 bits of the LIOBN as printed (0, or absent, for any LIOBN that can have a table). */
  readonly liobnHi?: number;
  /** Masked to the table's page before printing. */
  readonly ioba: bigint;
  readonly tce: bigint;
  readonly ret: number;
}

export interface TraceGet {
  readonly kind: 'get';
  readonly pci: boolean;
  readonly liobn: number;
  /** High 32 bits of the LIOBN as printed (0, or absent, for any LIOBN that can have a table). */
  readonly liobnHi?: number;
  /** Masked to the table's page before printing. */
  readonly ioba: bigint;
  readonly ret: number;
  /** 0 on failure. */
  readonly tce: bigint;
}

export interface TraceIndirect {
  readonly kind: 'indirect';
  readonly pci: boolean;
  readonly liobn: number;
  /** High 32 bits of the LIOBN as printed (0, or absent, for any LIOBN that can have a table). */
  readonly liobnHi?: number;
  /** The caller's ioba, not masked. */
  readonly ioba: bigint;
  /** Guest physical address of the TCE list (`tcelist=`). */
  readonly tceList: bigint;
  /**
   * `iobaN=`: despite its name an entry index: npages − 1 on success (0 when npages is 0),
   * k − 1 when entry k failed (0 when k is 0).
   */
  readonly iobaN: bigint;
  /** `tceN=`: the last entry read (the failing one on error). */
  readonly tceN: bigint;
  readonly ret: number;
}

export interface TraceStuff {
  readonly kind: 'stuff';
  readonly pci: boolean;
  readonly liobn: number;
  /** High 32 bits of the LIOBN as printed (0, or absent, for any LIOBN that can have a table). */
  readonly liobnHi?: number;
  /** Printed after the loop: start + npages·pagesize on success, the failing ioba on error. */
  readonly ioba: bigint;
  readonly tceValue: bigint;
  readonly npages: number;
  readonly ret: number;
}

/** A table (window) was (re)created; `table` is a host pointer, `fd` the KVM table's fd or -1. */
export interface TraceNewTable {
  readonly kind: 'new_table';
  readonly liobn: number;
  readonly table: bigint;
  readonly fd: number;
}

/** RTAS ibm,query-pe-dma-window. */
export interface TraceDdwQuery {
  readonly kind: 'ddw_query';
  readonly buid: bigint;
  readonly addr: number;
  readonly windowsAvailable: number;
  /** Largest window in bytes. */
  readonly maxWindowSize: bigint;
  /** Page-size mask. */
  readonly mask: number;
}

/** RTAS ibm,create-pe-dma-window: a window of `requested` bytes of `pageSize` pages at `startAddr`. */
export interface TraceDdwCreate {
  readonly kind: 'ddw_create';
  readonly buid: bigint;
  readonly addr: number;
  readonly pageSize: bigint;
  readonly requested: bigint;
  readonly startAddr: bigint;
  readonly liobn: number;
}

/** RTAS ibm,remove-pe-dma-window. */
export interface TraceDdwRemove {
  readonly kind: 'ddw_remove';
  readonly liobn: number;
}

/** RTAS ibm,reset-pe-dma-window (also printed, addr 0, by QEMU's automatic reset after a remove). */
export interface TraceDdwReset {
  readonly kind: 'ddw_reset';
  readonly buid: bigint;
  readonly addr: number;
}

/** A `spapr_iommu_*` event QEMU has that does not bear on the hcall stream (xlate, pre_save, post_load). */
export interface TraceOther {
  readonly kind: 'other';
  readonly name: string;
  /** The rest of the line after the name, as printed. */
  readonly text: string;
}

export type TraceHcallEvent = TracePut | TraceGet | TraceIndirect | TraceStuff;
export type TraceDdwEvent = TraceDdwQuery | TraceDdwCreate | TraceDdwRemove | TraceDdwReset;
export type QemuTraceEvent = TraceHcallEvent | TraceNewTable | TraceDdwEvent | TraceOther;
/** The prefix of every event name. */
export const TRACE_EVENT_PREFIX = 'spapr_iommu_';

/** QEMU's rule for choosing the `pci_` variant (SPAPR_IS_PCI_LIOBN). */
export function isPciLiobn(liobn: number): boolean {
  return (liobn & 0x80000000) !== 0;
}

export function isHcallEvent(e: QemuTraceEvent): e is TraceHcallEvent {
  return e.kind === 'put' || e.kind === 'get' || e.kind === 'indirect' || e.kind === 'stuff';
}
