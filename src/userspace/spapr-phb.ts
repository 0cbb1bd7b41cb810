/**
 * QEMU's sPAPR PCI host bridge as far as DMA goes (hw/ppc/spapr_pci.c, QEMU 7.2): two DMA
 * windows, each a guest-view TCE table with a fixed LIOBN that is enabled or disabled. Window 0
 * is the default 32-bit window, enabled at start and by every reset; window 1 exists disabled
 * until a DDW create enables it. Reference §5.5. Runs in: userspace (the main thread).
 */

/** A PHB as a machine describes it (conformance `machine.phbs[]`, QEMU's properties). */
export interface PhbConfig {
  index: number;
  /** Dynamic DMA windows (`ddw`, on by default). */
  ddw: boolean;
  /** The default window: 4 KiB pages at dmaWinAddr, dmaWinSize bytes. */
  dmaWinAddr: bigint;
  dmaWinSize: bigint;
  /** Where a window created while another is active starts. */
  dma64WinAddr: bigint;
  /** The page sizes DDW may use, as ibm,query-pe-dma-window's LoPAPR mask. */
  pageSizeMask: number;
}

/** SPAPR_PCI_DMA_MAX_WINDOWS. */
const PHB_MAX_WINDOWS = 2;
/** BUID of PHB index 0 (SPAPR_PCI_BASE_BUID); PHB n is this + n. */
const PHB_BUID_BASE = 0x800000020000000n;
/** The highest PHB index tcesim takes (its LIOBNs stay below 0x80010000). */
export const PHB_MAX_INDEX = 255;
export const DEFAULT_WINDOW_PAGE_SHIFT = 12;

export function defaultPhbConfig(index: number): PhbConfig {
  return {
    index, ddw: true, dmaWinAddr: 0n, dmaWinSize: 0x40000000n, dma64WinAddr: 0x800000000000000n, pageSizeMask: 0x107,
  };
}

/** SPAPR_PCI_LIOBN(index, n). */
export function phbLiobn(index: number, window: number): number {
  return (0x80000000 | (index << 8) | window) >>> 0;
}

function phbBuid(index: number): bigint {
  return PHB_BUID_BASE + BigInt(index);
}

/** One DMA window: the table object exists for the PHB's life; enabled means it has entries. */
export interface PhbWindow {
  readonly liobn: number;
  readonly number: number;
  /** The table's registry slot while enabled, -1 while disabled. */
  slot: number;
  /** def_win: enabled by a reset as the default window (a remove of the last other window resets). */
  defaultWindow: boolean;
}

export class SpaprPhb {
  readonly buid: bigint;
  readonly windows: PhbWindow[];
  /** IOMMU groups of the VFIO devices plugged in, in plug order. */
  readonly vfioGroups: number[] = [];

  constructor(readonly config: PhbConfig) {
    this.buid = phbBuid(config.index);
    this.windows = Array.from({ length: PHB_MAX_WINDOWS }, (_, n) => ({ liobn: phbLiobn(config.index, n), number: n, slot: -1, defaultWindow: false }));
  }

  /** spapr_phb_get_active_win_num. */
  activeWindows(): number {
    return this.windows.filter((w) => w.slot >= 0).length;
  }

  /** spapr_phb_get_free_liobn: the first disabled window, or null. */
  freeWindow(): PhbWindow | null {
    return this.windows.find((w) => w.slot < 0) ?? null;
  }

  window(liobn: number): PhbWindow | null {
    return this.windows.find((w) => w.liobn === liobn) ?? null;
  }
}
