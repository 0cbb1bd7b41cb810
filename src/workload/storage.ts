/**
 * `storage`: a disk driver with a queue of requests in flight, each vCPU on its own device
 * (its own TCE table: the PCI LIOBN of PHB vCPU, window 0, a 1 GiB window of 4 KiB pages).
 * A request is one physically contiguous buffer of `pages` pages (drawn uniformly from the
 * range), mapped when it is submitted and freed when the disk completes it. Linux with
 * hcall-multi-tce maps a multi-page request with H_PUT_TCE_INDIRECT (a single page with
 * H_PUT_TCE) and frees it with one H_STUFF_TCE (src/workload/tce-run.ts).
 *
 * The queue is first filled to `depth` requests; from then on the disk completes a request
 * chosen at random among those in flight (disks complete out of order) and the driver submits
 * a new one in its place, so `depth` requests are always mapped. Request `s` of the queue
 * owns window entries [s * maxPages, s * maxPages + pages).
 */
import { TCE_PCI_READ, TCE_PCI_WRITE } from '../papr/tce.js';
import type { TableConfig } from '../pipeline/machine-config.js';
import { choiceParam, intParam, paramConflict, rangeParam } from './params.js';
import { Prng } from './prng.js';
import { listPageGpa, MAP_METHODS, pciLiobn, TceRun, UNMAP_METHODS, type MapMethod, type UnmapMethod } from './tce-run.js';
import type { Workload, WorkloadContext, WorkloadParams, WorkloadSpec } from './workload.js';

const PAGE_SHIFT = 12;
const PAGE_BYTES = 4096;
/** The QEMU PHB default window: 1 GiB of 4 KiB pages. */
const WINDOW_ENTRIES = 262144;

/**
 * ASSUMPTION: request sizes uniform over 1-64 pages (4 KiB to 256 KiB): small random I/O mixed
 * with large sequential I/O; the mean, about 128 KiB, is the block size of the one measured
 * batching figure (2004, dd with 128 KiB blocks; reference §7).
 */
const DEFAULT_PAGES: readonly [number, number] = [1, 64];
/** ASSUMPTION: 32 requests in flight, a common SCSI / virtio-blk queue depth. */
const DEFAULT_DEPTH = 32;
/** ASSUMPTION: half the requests are reads (the device writes memory: TCE read and write bits). */
const DEFAULT_READS = 50;

/**
 * ASSUMPTION: guest time per request submitted (block layer, SCSI midlayer, driver), per page
 * of it (a scatter-gather and a TCE-list entry), and per request completed (interrupt and
 * completion path), on a POWER8-class vCPU. The model is CPU-bound: the disk is assumed fast
 * enough that the queue never waits for it.
 */
const STORAGE_SUBMIT_NS = 5000;
const STORAGE_NS_PER_PAGE = 50;
const STORAGE_COMPLETE_NS = 3000;

interface StorageConfig {
  readonly minPages: number;
  readonly maxPages: number;
  readonly depth: number;
  /** Percentage of requests that are reads. */
  readonly reads: number;
  readonly map: MapMethod;
  readonly unmap: UnmapMethod;
}

function storageConfig(params: WorkloadParams): StorageConfig {
  const [minPages, maxPages] = rangeParam('storage', params, 'pages', DEFAULT_PAGES, 1, 512);
  const depth = intParam('storage', params, 'depth', DEFAULT_DEPTH, 1, 4096);
  if (depth * maxPages > WINDOW_ENTRIES) {
    throw paramConflict('storage', params, 'depth', String(depth),
      `needs ${depth * maxPages} entries with requests of up to ${maxPages} pages; the 1 GiB window has ${WINDOW_ENTRIES} (lower depth or pages)`);
  }
  return {
    minPages, maxPages, depth,
    reads: intParam('storage', params, 'reads', DEFAULT_READS, 0, 100),
    map: choiceParam('storage', params, 'map', MAP_METHODS, 'indirect'),
    unmap: choiceParam('storage', params, 'unmap', UNMAP_METHODS, 'stuff'),
  };
}

class StorageWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  private readonly rng: Prng;
  private readonly cfg: StorageConfig;
  private readonly run: TceRun;
  /** Pages of the request in each queue slot. */
  private readonly slotPages: Uint16Array;
  /** Guest pages buffers come from: all of RAM below the vCPUs' list pages. */
  private readonly bufferPages: number;
  /** Queue slots filled so far (the queue fills once, then stays full). */
  private filled = 0;
  /** The slot just completed, to be refilled by the next request; -1 for none. */
  private refill = -1;

  constructor(ctx: WorkloadContext) {
    this.cfg = storageConfig(ctx.params);
    this.rng = new Prng(ctx.seed, ctx.vcpu);
    this.slotPages = new Uint16Array(this.cfg.depth);
    this.bufferPages = Math.floor(ctx.ram.slotBytes / PAGE_BYTES) - ctx.vcpus;
    this.run = new TceRun(ctx.ram, {
      liobn: pciLiobn(ctx.vcpu, 0), busHi: 0, busLo: 0, pageShift: PAGE_SHIFT,
      map: this.cfg.map, unmap: this.cfg.unmap, stuffMax: 512, singlePagePut: true, listGpa: listPageGpa(ctx.ram, ctx.vcpu),
    });
  }

  /** Submit a request into queue slot `s`: its size, buffer and direction drawn from the seed. */
  private submit(s: number): void {
    const c = this.cfg;
    const r = this.rng;
    const pages = c.minPages + r.below(c.maxPages - c.minPages + 1);
    const page = r.below(this.bufferPages - pages + 1);
    // A read from disk is DMA from the device: Linux sets the write bit (and always the read bit).
    const perm = r.below(100) < c.reads ? TCE_PCI_READ | TCE_PCI_WRITE : TCE_PCI_READ;
    this.slotPages[s] = pages;
    this.run.beginMap(s * c.maxPages, page, pages, perm);
  }

  next(f: Int32Array): void {
    const run = this.run;
    if (run.done) {
      if (this.filled < this.cfg.depth) {
        this.submit(this.filled++);
      } else if (this.refill >= 0) {
        this.submit(this.refill);
        this.refill = -1;
      } else {
        const s = this.rng.below(this.cfg.depth);
        run.beginClear(s * this.cfg.maxPages, this.slotPages[s] as number);
        this.refill = s;
      }
    }
    const n = run.next(f);
    const last = run.done;
    if (run.mapping) {
      this.mappedBytes = n * PAGE_BYTES;
      this.guestNs = n * STORAGE_NS_PER_PAGE + (last ? STORAGE_SUBMIT_NS : 0);
    } else {
      this.mappedBytes = 0;
      this.guestNs = last ? STORAGE_COMPLETE_NS : 0;
    }
  }
}

export const storageWorkload: WorkloadSpec = {
  name: 'storage',
  description: 'disk queue per vCPU: multi-page requests mapped with H_PUT_TCE_INDIRECT, freed with H_STUFF_TCE, completed out of order',
  params: {
    pages: `request size in 4 KiB pages, MIN-MAX drawn uniformly, up to 512 (default ${DEFAULT_PAGES[0]}-${DEFAULT_PAGES[1]})`,
    depth: `requests in flight (queue depth) (default ${DEFAULT_DEPTH})`,
    reads: `percentage of requests that are reads: the device writes memory (default ${DEFAULT_READS})`,
    map: 'indirect: one H_PUT_TCE_INDIRECT per request (a single page uses H_PUT_TCE, as Linux); put: one H_PUT_TCE per page (default indirect)',
    unmap: 'stuff: one H_STUFF_TCE 0 per request; put: one H_PUT_TCE 0 per page (default stuff)',
  },
  sharesTables: false,
  tables(vcpus: number, params: WorkloadParams): TableConfig[] {
    storageConfig(params);
    return Array.from({ length: vcpus }, (_, v) => ({
      liobn: pciLiobn(v, 0), busOffset: 0n, pageShift: PAGE_SHIFT, entries: WINDOW_ENTRIES, userspaceOnly: false,
    }));
  },
  create: (ctx) => new StorageWorkload(ctx),
};
