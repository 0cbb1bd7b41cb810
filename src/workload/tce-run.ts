/**
 * The hcalls a Linux pSeries guest makes to map or clear one run of consecutive TCE entries,
 * one call per next(): what arch/powerpc/platforms/pseries/iommu.c does for a DMA mapping.
 *
 * - Map, multi-TCE (tce_buildmulti_pSeriesLP): the TCEs are written big-endian into the
 *   vCPU's list page (Linux keeps one 4 KiB page per CPU) and passed to H_PUT_TCE_INDIRECT,
 *   at most 512 per call (one page of u64s). A run of a single page goes by H_PUT_TCE instead,
 *   as Linux does; the DDW range mapper (tce_setrange_multi_pSeriesLP) has no such exception,
 *   hence `singlePagePut`.
 * - Map, without multi-TCE (tce_build_pSeriesLP): one H_PUT_TCE per entry.
 * - Clear, multi-TCE (tce_freemulti_pSeriesLP): H_STUFF_TCE with value 0, at most 512 entries
 *   per call, even for a single entry.
 * - Clear, without multi-TCE (tce_free_pSeriesLP): one H_PUT_TCE of 0 per entry.
 *
 * Runs on the vCPU thread; allocation-free: begin() sets the run, next() fills the frame.
 */
import { H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../papr/hcalls.js';
import { TCE_LIST_MAX_ENTRIES } from '../papr/tce.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';
import { shlHi, shlLo } from '../papr/u64.js';
import { setCall } from './frame-args.js';

/** How a run of entries is mapped: one H_PUT_TCE per entry, or H_PUT_TCE_INDIRECT batches. */
export type MapMethod = 'put' | 'indirect';
/** How a run of entries is cleared: one H_PUT_TCE of 0 per entry, or H_STUFF_TCE batches. */
export type UnmapMethod = 'put' | 'stuff';

export const MAP_METHODS: readonly MapMethod[] = ['put', 'indirect'];
export const UNMAP_METHODS: readonly UnmapMethod[] = ['put', 'stuff'];

const TWO32 = 4294967296;

/** The window a run is written into, and how the guest talks to it. */
export interface TceWindow {
  readonly liobn: number;
  /** Bus address of the window's first entry (QEMU's bus_offset), as 32-bit halves. */
  readonly busHi: number;
  readonly busLo: number;
  /** The window's IOMMU page shift (12 for 4 KiB, 24 for 16 MiB). */
  readonly pageShift: number;
  readonly map: MapMethod;
  readonly unmap: UnmapMethod;
  /** Most entries one H_STUFF_TCE clears (Linux: 512). */
  readonly stuffMax: number;
  /** Whether a one-entry map uses H_PUT_TCE even with map 'indirect' (Linux's DMA API: yes; its DDW setup: no). */
  readonly singlePagePut: boolean;
  /** Guest physical address of this vCPU's 4 KiB-aligned INDIRECT list page, inside RAM. */
  readonly listGpa: number;
}

/** The TCE of IOMMU page `page` (its guest physical address is page << shift) with permission bits `perm`: high half. */
function tceHi(page: number, pageShift: number): number {
  return shlHi(page, pageShift);
}

/** The same TCE's low half (an int32 bit pattern, as the frame stores it). */
function tceLo(page: number, pageShift: number, perm: number): number {
  return shlLo(page, pageShift) | perm;
}

export class TceRun {
  /** Entries of the current run not yet covered by a call. */
  remaining = 0;
  /** Whether the current run maps (true) or clears (false). */
  mapping = false;
  private entry = 0;
  private page = 0;
  private perm = 0;
  private indirect = false;
  private stuff = false;

  private readonly listHi: number;
  private readonly listLo: number;

  constructor(private readonly ram: GuestRam, private readonly w: TceWindow) {
    this.listHi = Math.floor(w.listGpa / TWO32);
    this.listLo = w.listGpa % TWO32;
  }

  /** Whether the last run is finished (the next call starts a new one). */
  get done(): boolean {
    return this.remaining === 0;
  }

  /** Map `npages` entries from window entry `entry` to IOMMU pages `page`, `page + 1`, ... with `perm`. */
  beginMap(entry: number, page: number, npages: number, perm: number): void {
    this.begin(entry, npages);
    this.mapping = true;
    this.page = page;
    this.perm = perm;
    this.indirect = this.w.map === 'indirect' && !(npages === 1 && this.w.singlePagePut);
  }

  /** Clear `npages` entries from window entry `entry`. */
  beginClear(entry: number, npages: number): void {
    this.begin(entry, npages);
    this.mapping = false;
    this.stuff = this.w.unmap === 'stuff';
  }

  private begin(entry: number, npages: number): void {
    if (npages < 1) throw new RangeError(`a run of ${npages} entries is empty`);
    this.entry = entry;
    this.remaining = npages;
  }

  /** Fill the frame with the run's next call; answers the entries that call covers. */
  next(f: Int32Array): number {
    const w = this.w;
    const n = this.mapping ? (this.indirect ? Math.min(this.remaining, TCE_LIST_MAX_ENTRIES) : 1)
      : (this.stuff ? Math.min(this.remaining, w.stuffMax) : 1);
    // bus offset + entry · page size, in 32-bit halves (no 2 ** n, no doubles: this runs per call).
    const sumLo = w.busLo + shlLo(this.entry, w.pageShift);
    const iobaLo = sumLo >>> 0;
    const iobaHi = (w.busHi + shlHi(this.entry, w.pageShift) + (sumLo >= TWO32 ? 1 : 0)) >>> 0;
    if (!this.mapping) {
      if (this.stuff) setCall(f, H_STUFF_TCE, w.liobn, iobaHi, iobaLo, 0, 0, n);
      else setCall(f, H_PUT_TCE, w.liobn, iobaHi, iobaLo, 0, 0, 0);
    } else if (this.indirect) {
      for (let i = 0; i < n; i++) {
        this.ram.writeBeHalves(w.listGpa + i * 8, tceHi(this.page + i, w.pageShift), tceLo(this.page + i, w.pageShift, this.perm));
      }
      setCall(f, H_PUT_TCE_INDIRECT, w.liobn, iobaHi, iobaLo, this.listHi, this.listLo, n);
    } else {
      setCall(f, H_PUT_TCE, w.liobn, iobaHi, iobaLo, tceHi(this.page, w.pageShift), tceLo(this.page, w.pageShift, this.perm), 0);
    }
    this.entry += n;
    this.page += n;
    this.remaining -= n;
    return n;
  }
}

/** The PCI LIOBN QEMU gives window `window` of PHB `phb` (SPAPR_PCI_LIOBN): 0x80000000 | phb << 8 | window. */
export function pciLiobn(phb: number, window: number): number {
  return (0x80000000 | (phb << 8) | window) >>> 0;
}

/** This vCPU's INDIRECT list page: the `vcpu + 1`-th 4 KiB page from the top of RAM. */
export function listPageGpa(ram: GuestRam, vcpu: number): number {
  return Math.floor(ram.slotBytes / 4096) * 4096 - (vcpu + 1) * 4096;
}
