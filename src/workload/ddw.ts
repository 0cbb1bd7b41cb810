/**
 * `ddw`: a 64-bit dynamic DMA window that maps all of guest RAM, as Linux sets one up for a
 * device that can address 64 bits (enable_ddw in arch/powerpc/platforms/pseries/iommu.c).
 * Each vCPU owns one device and its window (its own table: the PCI LIOBN of PHB vCPU,
 * window 1), placed where QEMU puts a second window: bus address 1 << 59. The window is as
 * large as RAM rounded up to a power of two (Linux asks for order_base_2 of the top of RAM),
 * in `page`-sized IOMMU pages (16 MiB by default, the largest size Linux finds in the
 * page-size mask QEMU offers when told to allow it).
 *
 * First the whole of RAM is direct-mapped, bus address = window start + guest physical
 * address, read and write permission, by H_PUT_TCE_INDIRECT calls of at most 512 entries
 * (tce_setrange_multi_pSeriesLP, which uses INDIRECT even for one entry). Then unmap/remap
 * cycles: a memory block of `block` bytes, chosen by the seed, goes offline and comes back,
 * and Linux's memory notifier clears its entries with H_STUFF_TCE of at most 512 entries
 * (tce_clearrange_multi_pSeriesLP) and maps them again.
 *
 * IOMMU pages larger than the host's base page need guest RAM backed by huge pages of at least
 * that size: an IOMMU page may never be larger than the pinned host page behind it (SPEC §3.6,
 * the 2018 rule in VFIO and KVM). So by default (`backing=auto`) a window of pages above 64 KiB
 * marks every host page of guest RAM huge when the workload is built. Real mode cannot walk to
 * an INDIRECT list in a huge page (nor allocate the table's first backing page), so in realmode
 * the maps fall back to virtual mode; the clears (no list) stay in real mode.
 */
import { TCE_PCI_READ, TCE_PCI_WRITE } from '../papr/tce.js';
import { defaultMachineConfig, type TableConfig } from '../pipeline/machine-config.js';
import { choiceParam, formatSize, paramConflict, sizeParam } from './params.js';
import { Prng } from './prng.js';
import { listPageGpa, pciLiobn, TceRun } from './tce-run.js';
import type { Workload, WorkloadContext, WorkloadParams, WorkloadSpec } from './workload.js';

/** QEMU's bus address of a PHB's second DMA window (dma64_win_addr): 1 << 59. */
const DDW_BUS_OFFSET = 2 ** 59;
const DDW_BUS_HI = DDW_BUS_OFFSET / 4294967296;
/** LoPAPR's DDW page sizes (the query's page-size mask) up to 256 MiB; 16 GiB is larger than guest RAM. */
const PAGE_SIZES = [2 ** 12, 2 ** 16, 2 ** 21, 2 ** 24, 2 ** 25, 2 ** 26, 2 ** 27, 2 ** 28];
const DEFAULT_PAGE = 2 ** 24;
/** QEMU sPAPR's memory block (LMB) size, the unit of memory hot(un)plug: 256 MiB. */
const DEFAULT_BLOCK = 2 ** 28;
/** Largest host page real mode can reach a list in: the host's base page (64 KiB on ppc64). */
const BASE_HOST_PAGE = 2 ** 16;
const BACKINGS = ['auto', 'huge', 'base'] as const;
type Backing = (typeof BACKINGS)[number];

/**
 * ASSUMPTION: guest time per call of the window's map and clear loops, plus per list entry
 * written; the memory hot(un)plug around each cycle (page migration, notifier chains) is not
 * modelled: the workload measures the TCE work of a cycle, not the cycle.
 */
const DDW_CALL_NS = 300;
const DDW_NS_PER_ENTRY = 4;

interface DdwConfig {
  readonly pageShift: number;
  readonly pageBytes: number;
  readonly blockBytes: number;
  /** Whether guest RAM is backed by huge host pages. */
  readonly huge: boolean;
}

function ddwConfig(ramBytes: number, params: WorkloadParams): DdwConfig {
  const pageBytes = sizeParam('ddw', params, 'page', DEFAULT_PAGE, PAGE_SIZES[0] as number, PAGE_SIZES[PAGE_SIZES.length - 1] as number);
  if (!PAGE_SIZES.includes(pageBytes)) {
    throw paramConflict('ddw', params, 'page', formatSize(pageBytes), `must be a DDW page size: one of ${PAGE_SIZES.map(formatSize).join(', ')}`);
  }
  const blockBytes = sizeParam('ddw', params, 'block', Math.min(DEFAULT_BLOCK, ramBytes), pageBytes, ramBytes);
  if (blockBytes % pageBytes !== 0 || ramBytes % blockBytes !== 0) {
    throw paramConflict('ddw', params, 'block', formatSize(blockBytes),
      `must be a whole number of ${formatSize(pageBytes)} pages that divides guest RAM (${formatSize(ramBytes)}) evenly`);
  }
  const backing: Backing = choiceParam('ddw', params, 'backing', BACKINGS, 'auto');
  return { pageShift: Math.log2(pageBytes), pageBytes, blockBytes, huge: backing === 'huge' || (backing === 'auto' && pageBytes > BASE_HOST_PAGE) };
}

/** The window's entries: RAM rounded up to a power of two, in pages. */
function windowEntries(ramBytes: number, pageBytes: number): number {
  return Math.max(1, 2 ** Math.ceil(Math.log2(ramBytes)) / pageBytes);
}

class DdwWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  private readonly cfg: DdwConfig;
  private readonly rng: Prng;
  private readonly run: TceRun;
  private readonly blocks: number;
  private readonly blockEntries: number;
  /** The block whose entries the next run maps again after clearing them; -1 for none. */
  private remap = -1;

  constructor(ctx: WorkloadContext) {
    const ram = ctx.ram;
    this.cfg = ddwConfig(ram.slotBytes, ctx.params);
    this.rng = new Prng(ctx.seed, ctx.vcpu);
    if (this.cfg.huge) {
      const state = { huge: true };
      for (let gpa = 0; gpa < ram.slotBytes; gpa += ram.hostPageBytes) ram.setHostPageState(gpa, state);
    }
    this.blocks = ram.slotBytes / this.cfg.blockBytes;
    this.blockEntries = this.cfg.blockBytes / this.cfg.pageBytes;
    this.run = new TceRun(ram, {
      liobn: pciLiobn(ctx.vcpu, 1), busHi: DDW_BUS_HI, busLo: 0, pageShift: this.cfg.pageShift,
      map: 'indirect', unmap: 'stuff', stuffMax: 512, singlePagePut: false, listGpa: listPageGpa(ram, ctx.vcpu),
    });
    // The direct map: entry i maps guest physical page i of the window's page size.
    this.run.beginMap(0, 0, Math.ceil(ram.slotBytes / this.cfg.pageBytes), TCE_PCI_READ | TCE_PCI_WRITE);
  }

  next(f: Int32Array): void {
    const run = this.run;
    if (run.done) {
      const e = this.blockEntries;
      if (this.remap >= 0) {
        run.beginMap(this.remap * e, this.remap * e, e, TCE_PCI_READ | TCE_PCI_WRITE);
        this.remap = -1;
      } else {
        this.remap = this.rng.below(this.blocks);
        run.beginClear(this.remap * e, e);
      }
    }
    const n = run.next(f);
    this.mappedBytes = run.mapping ? n * this.cfg.pageBytes : 0;
    this.guestNs = DDW_CALL_NS + (run.mapping ? n * DDW_NS_PER_ENTRY : 0);
  }
}

export const ddwWorkload: WorkloadSpec = {
  name: 'ddw',
  description: 'a 64-bit DMA window per vCPU direct-mapping all RAM (H_PUT_TCE_INDIRECT), then memory blocks unmapped (H_STUFF_TCE) and remapped',
  params: {
    page: `IOMMU page size of the window: ${PAGE_SIZES.map(formatSize).join(', ')} (default ${formatSize(DEFAULT_PAGE)})`,
    block: `bytes of the memory block each unmap/remap cycle takes offline and back, dividing RAM (default ${formatSize(DEFAULT_BLOCK)}, the sPAPR LMB)`,
    backing: 'host pages behind guest RAM: huge, base, or auto (huge for IOMMU pages above 64 KiB, as they need) (default auto)',
  },
  sharesTables: false,
  tables(vcpus: number, params: WorkloadParams): TableConfig[] {
    const ramBytes = Number(defaultMachineConfig().ramBytes);
    const c = ddwConfig(ramBytes, params);
    return Array.from({ length: vcpus }, (_, v) => ({
      liobn: pciLiobn(v, 1), busOffset: BigInt(DDW_BUS_OFFSET), pageShift: c.pageShift, entries: windowEntries(ramBytes, c.pageBytes), userspaceOnly: false,
    }));
  },
  create: (ctx) => new DdwWorkload(ctx),
};
