/**
 * Printing events in QEMU 7.2's trace line format (the `log` backend without timestamps):
 * `EVENT key=value ...`, numbers in lower-case hex with `0x` except `ret`, `npages` and `fd`
 * (signed decimal). Parsing a line and printing the event gives the line back, byte for byte.
 */
import { isPciLiobn, type QemuTraceEvent } from './trace-events.js';

const U64 = 0xffffffffffffffffn;

function hex(v: bigint | number): string {
  return `0x${(typeof v === 'number' ? v >>> 0 : v & U64).toString(16)}`;
}

/** A LIOBN as printed: 32-bit, or the 64-bit r4 when its high word is set. */
function liobnHex(liobn: number, liobnHi: number | undefined): string {
  return liobnHi ? hex((BigInt(liobnHi >>> 0) << 32n) | BigInt(liobn >>> 0)) : hex(liobn);
}

function name(liobn: number, event: string): string {
  return isPciLiobn(liobn) ? `spapr_iommu_pci_${event}` : `spapr_iommu_${event}`;
}

/** spapr_iommu_[pci_]put: ioba as QEMU passes it (masked to the page). */
export function formatPut(liobn: number, ioba: bigint, tce: bigint, ret: number, liobnHi = 0): string {
  return `${name(liobn, 'put')} liobn=${liobnHex(liobn, liobnHi)} ioba=${hex(ioba)} tce=${hex(tce)} ret=${ret}`;
}

/** spapr_iommu_[pci_]get: note `ret` before `tce`. */
export function formatGet(liobn: number, ioba: bigint, ret: number, tce: bigint, liobnHi = 0): string {
  return `${name(liobn, 'get')} liobn=${liobnHex(liobn, liobnHi)} ioba=${hex(ioba)} ret=${ret} tce=${hex(tce)}`;
}

/** spapr_iommu_[pci_]indirect: `iobaN` is an entry index, `tceN` the last entry read. */
export function formatIndirect(liobn: number, ioba: bigint, tceList: bigint, iobaN: bigint | number, tceN: bigint, ret: number, liobnHi = 0): string {
  return `${name(liobn, 'indirect')} liobn=${liobnHex(liobn, liobnHi)} ioba=${hex(ioba)} tcelist=${hex(tceList)} iobaN=${hex(BigInt(iobaN))} tceN=${hex(tceN)} ret=${ret}`;
}

/** spapr_iommu_[pci_]stuff: ioba as it stands after the loop. */
export function formatStuff(liobn: number, ioba: bigint, tceValue: bigint, npages: number, ret: number, liobnHi = 0): string {
  return `${name(liobn, 'stuff')} liobn=${liobnHex(liobn, liobnHi)} ioba=${hex(ioba)} tcevalue=${hex(tceValue)} npages=${npages} ret=${ret}`;
}

/** One event as QEMU prints it (without the newline). */
export function formatTraceEvent(e: QemuTraceEvent): string {
  switch (e.kind) {
    case 'put': return formatPut(e.liobn, e.ioba, e.tce, e.ret, e.liobnHi);
    case 'get': return formatGet(e.liobn, e.ioba, e.ret, e.tce, e.liobnHi);
    case 'indirect': return formatIndirect(e.liobn, e.ioba, e.tceList, e.iobaN, e.tceN, e.ret, e.liobnHi);
    case 'stuff': return formatStuff(e.liobn, e.ioba, e.tceValue, e.npages, e.ret, e.liobnHi);
    case 'new_table': return `spapr_iommu_new_table liobn=${hex(e.liobn)} table=${hex(e.table)} fd=${e.fd}`;
    case 'ddw_query':
      return `spapr_iommu_ddw_query buid=${hex(e.buid)} addr=${hex(e.addr)}, ${e.windowsAvailable} windows available, ` +
        `max window size=${hex(e.maxWindowSize)}, mask=${hex(e.mask)}`;
    case 'ddw_create':
      return `spapr_iommu_ddw_create buid=${hex(e.buid)} addr=${hex(e.addr)}, page size=${hex(e.pageSize)}, ` +
        `requested=${hex(e.requested)}, start addr=${hex(e.startAddr)}, liobn=${hex(e.liobn)}`;
    case 'ddw_remove': return `spapr_iommu_ddw_remove liobn=${hex(e.liobn)}`;
    case 'ddw_reset': return `spapr_iommu_ddw_reset buid=${hex(e.buid)} addr=${hex(e.addr)}`;
    case 'other': return e.text === '' ? e.name : `${e.name} ${e.text}`;
    default: {
      const never: never = e;
      throw new Error(`unknown trace event ${JSON.stringify(never)}`);
    }
  }
}
