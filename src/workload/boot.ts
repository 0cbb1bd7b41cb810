/**
 * `boot`: what a Linux pSeries guest does to its TCE tables as it boots. When it sets up a
 * table (iommu_init_table -> iommu_table_clear), it clears the whole window in case firmware
 * left mappings in it: tce_freemulti_pSeriesLP, one H_STUFF_TCE of 0 per 512 entries. Each
 * vCPU clears `tables` tables of its own (the PCI LIOBNs of PHBs vCPU * tables + t, window 0),
 * one after the other, from the first entry to the last.
 *
 * Then either the clears are repeated (`then=clear`: as if the guest rebooted again and again;
 * no randomness, so the seed does not change the traffic) or light traffic follows on the
 * vCPU's first table (`then=traffic`): single 4 KiB pages mapped with H_PUT_TCE and freed with
 * H_STUFF_TCE of one entry, as Linux's multi-TCE paths do for one page, with long idle gaps.
 */
import { TCE_PCI_READ } from '../papr/tce.js';
import type { TableConfig } from '../pipeline/machine-config.js';
import { choiceParam, formatSize, intParam, paramConflict, sizeParam } from './params.js';
import { Prng } from './prng.js';
import { listPageGpa, pciLiobn, TceRun } from './tce-run.js';
import type { Workload, WorkloadContext, WorkloadParams, WorkloadSpec } from './workload.js';

const PAGE_SHIFT = 12;
const PAGE_BYTES = 4096;
/** The QEMU PHB default window: 1 GiB of 4 KiB pages. */
const DEFAULT_WINDOW = 2 ** 30;
const MAX_WINDOW = 2 ** 32;
/** Linux clears at most 512 entries per H_STUFF_TCE (tce_freemulti_pSeriesLP). */
const DEFAULT_CHUNK = 512;
const MAX_TABLES_PER_VCPU = 4;
/** PCI LIOBNs carry the PHB number in 8 bits. */
const MAX_PHBS = 256;
const THEN = ['traffic', 'clear'] as const;
type Then = (typeof THEN)[number];

/** ASSUMPTION: guest time per H_STUFF_TCE of a boot clear (the loop in tce_freemulti_pSeriesLP). */
const BOOT_CLEAR_NS = 200;
/** Slots of the light traffic's ring (a handful of buffers in flight). */
const TRAFFIC_SLOTS = 16;
/**
 * ASSUMPTION: "light" traffic after boot (device probing, firmware and module loading): one
 * 4 KiB buffer about every 100 us, so the guest idles that long after each buffer is freed.
 */
const BOOT_TRAFFIC_IDLE_NS = 100_000;
/** Guest time after each page boot's light traffic maps (an assumption; boot checks no published figure). */
const BOOT_TRAFFIC_MAP_NS = 3600;

interface BootConfig {
  readonly tables: number;
  /** Entries of each table's window. */
  readonly entries: number;
  readonly chunk: number;
  readonly then: Then;
}

function bootConfig(vcpus: number, params: WorkloadParams): BootConfig {
  const tables = intParam('boot', params, 'tables', 1, 1, MAX_TABLES_PER_VCPU);
  if (vcpus * tables > MAX_PHBS) {
    throw paramConflict('boot', params, 'tables', '1', `gives ${vcpus * tables} tables with ${vcpus} vCPUs; PCI LIOBNs number at most ${MAX_PHBS} PHBs`);
  }
  const window = sizeParam('boot', params, 'window', DEFAULT_WINDOW, PAGE_BYTES, MAX_WINDOW);
  if (window % PAGE_BYTES !== 0) throw paramConflict('boot', params, 'window', String(window), 'must be a whole number of 4 KiB pages');
  const entries = window / PAGE_BYTES;
  return { tables, entries, chunk: intParam('boot', params, 'chunk', DEFAULT_CHUNK, 1, entries), then: choiceParam('boot', params, 'then', THEN, 'traffic') };
}

class BootWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  private readonly cfg: BootConfig;
  private readonly rng: Prng;
  /** One call writer per table of this vCPU. */
  private readonly runs: TceRun[];
  private readonly mapped = new Uint8Array(TRAFFIC_SLOTS);
  private readonly ramPages: number;
  /** Table being cleared; cfg.tables once the clears are done. */
  private table = 0;
  private slot = 0;

  constructor(ctx: WorkloadContext) {
    this.cfg = bootConfig(ctx.vcpus, ctx.params);
    this.rng = new Prng(ctx.seed, ctx.vcpu);
    this.ramPages = Math.floor(ctx.ram.slotBytes / PAGE_BYTES);
    this.runs = Array.from({ length: this.cfg.tables }, (_, t) => new TceRun(ctx.ram, {
      liobn: pciLiobn(ctx.vcpu * this.cfg.tables + t, 0), busHi: 0, busLo: 0, pageShift: PAGE_SHIFT,
      map: 'indirect', unmap: 'stuff', stuffMax: this.cfg.chunk, singlePagePut: true, listGpa: listPageGpa(ctx.ram, ctx.vcpu),
    }));
    (this.runs[0] as TceRun).beginClear(0, this.cfg.entries);
  }

  next(f: Int32Array): void {
    if (this.table < this.cfg.tables) {
      const run = this.runs[this.table] as TceRun;
      run.next(f);
      this.mappedBytes = 0;
      this.guestNs = BOOT_CLEAR_NS;
      if (run.done) this.clearNextTable();
      return;
    }
    this.traffic(f);
  }

  /** After a table's clears: the next table, or (then=clear) the first table again. */
  private clearNextTable(): void {
    this.table++;
    if (this.table === this.cfg.tables && this.cfg.then === 'clear') this.table = 0;
    if (this.table < this.cfg.tables) (this.runs[this.table] as TceRun).beginClear(0, this.cfg.entries);
  }

  /** Light traffic on the first table: a ring of single pages, each freed before its slot is reused. */
  private traffic(f: Int32Array): void {
    const run = this.runs[0] as TceRun;
    const s = this.slot;
    if (this.mapped[s] !== 0) {
      run.beginClear(s, 1);
      this.mapped[s] = 0;
      run.next(f);
      this.mappedBytes = 0;
      this.guestNs = BOOT_TRAFFIC_IDLE_NS;
      return;
    }
    run.beginMap(s, this.rng.below(this.ramPages), 1, TCE_PCI_READ);
    this.mapped[s] = 1;
    this.slot = (s + 1) % TRAFFIC_SLOTS;
    run.next(f);
    this.mappedBytes = PAGE_BYTES;
    this.guestNs = BOOT_TRAFFIC_MAP_NS;
  }
}

export const bootWorkload: WorkloadSpec = {
  name: 'boot',
  description: 'Linux boot: every table cleared with 512-entry H_STUFF_TCE calls, then light traffic or the clears again',
  params: {
    tables: `tables per vCPU, each cleared in turn, up to ${MAX_TABLES_PER_VCPU} (default 1)`,
    window: `bytes of each table's window of 4 KiB pages, up to ${formatSize(MAX_WINDOW)} (default ${formatSize(DEFAULT_WINDOW)})`,
    chunk: `entries cleared per H_STUFF_TCE (default ${DEFAULT_CHUNK}, as Linux)`,
    then: 'after the clears: traffic (single pages mapped and freed, with long idle gaps) or clear (the clears again) (default traffic)',
  },
  sharesTables: false,
  tables(vcpus: number, params: WorkloadParams): TableConfig[] {
    const c = bootConfig(vcpus, params);
    return Array.from({ length: vcpus * c.tables }, (_, phb) => ({
      liobn: pciLiobn(phb, 0), busOffset: 0n, pageShift: PAGE_SHIFT, entries: c.entries, userspaceOnly: false,
    }));
  },
  create: (ctx) => new BootWorkload(ctx),
};
