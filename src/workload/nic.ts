/**
 * `nic`: a NIC driver's DMA ring, the traffic of the seed's 10Gb VFIO measurement. Each vCPU
 * drives its own device (its own TCE table, LIOBN 0x80000000 + vCPU, a 1 GiB window of 4 KiB
 * pages). A ring of `ring` slots; each slot holds one packet buffer of `buffer` bytes, mapped
 * (read permission: the device reads the packet) when the packet is queued and unmapped when
 * the slot comes round again (transmit completion), before it is reused.
 *
 * Defaults: 256 slots, one 4 KiB page per packet buffer (a TSO packet's page fragment; the
 * ppc64 DMA API maps each fragment with its own call), mapped with H_PUT_TCE and unmapped with
 * H_PUT_TCE 0. With `map=indirect` a multi-page buffer is mapped with one H_PUT_TCE_INDIRECT and
 * with `unmap=stuff` freed with one H_STUFF_TCE, as Linux does when the hypervisor offers
 * hcall-multi-tce (src/workload/tce-run.ts); docs/workloads.md maps this onto real drivers.
 *
 * The wire (src/workload/nic-wire.ts: `link`, `mtu`) does not slow the calls down: `tcesim gain`
 * takes the lesser of what the hypercall path and the wire allow. The guest's own time per buffer
 * (driver and stack) is 0 unless `guest=NS` is given: no independent measurement of it was found,
 * so the hypercall path's figure is an upper bound (docs/modelled-time.md).
 */
import { TCE_PCI_READ } from '../papr/tce.js';
import type { TableConfig } from '../pipeline/machine-config.js';
import { choiceParam, formatSize, intParam, paramConflict, sizeParam } from './params.js';
import { Prng } from './prng.js';
import { listPageGpa, MAP_METHODS, TceRun, UNMAP_METHODS, type MapMethod, type UnmapMethod } from './tce-run.js';
import { nicWire, WIRE_PARAMS } from './nic-wire.js';
import type { Workload, WorkloadContext, WorkloadParams, WorkloadSpec } from './workload.js';

const NIC_LIOBN_BASE = 0x80000000;
const PAGE_SHIFT = 12;
const PAGE_BYTES = 4096;
/** The QEMU PHB default window: 1 GiB of 4 KiB pages. */
const WINDOW_ENTRIES = 262144;

const DEFAULT_RING = 256;
const DEFAULT_BUFFER = 4096;
/** Largest buffer: 512 pages, what one H_PUT_TCE_INDIRECT list can hold. */
const MAX_BUFFER = 512 * PAGE_BYTES;

interface NicConfig {
  readonly ring: number;
  /** 4 KiB pages per buffer. */
  readonly pages: number;
  readonly map: MapMethod;
  readonly unmap: UnmapMethod;
  /** Guest nanoseconds after each buffer is mapped (driver and stack work). */
  readonly guestNs: number;
}

function nicConfig(params: WorkloadParams): NicConfig {
  const ring = intParam('nic', params, 'ring', DEFAULT_RING, 1, WINDOW_ENTRIES);
  const buffer = sizeParam('nic', params, 'buffer', DEFAULT_BUFFER, 1, MAX_BUFFER);
  const pages = Math.ceil(buffer / PAGE_BYTES);
  nicWire('nic', params);
  if (ring * pages > WINDOW_ENTRIES) {
    throw paramConflict('nic', params, 'ring', String(ring),
      `needs ${ring * pages} entries with ${pages}-page buffers; the 1 GiB window has ${WINDOW_ENTRIES} (lower ring or buffer)`);
  }
  return {
    ring, pages,
    map: choiceParam('nic', params, 'map', MAP_METHODS, 'put'),
    unmap: choiceParam('nic', params, 'unmap', UNMAP_METHODS, 'put'),
    guestNs: intParam('nic', params, 'guest', 0, 0, 1_000_000_000),
  };
}

class NicWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  private readonly rng: Prng;
  private readonly cfg: NicConfig;
  private readonly mapped: Uint8Array;
  private readonly run: TceRun;
  /** Guest pages a buffer may start at: all of RAM, less the list pages when lists are used. */
  private readonly bufferStarts: number;
  private slot = 0;

  constructor(ctx: WorkloadContext) {
    this.cfg = nicConfig(ctx.params);
    this.rng = new Prng(ctx.seed, ctx.vcpu);
    this.mapped = new Uint8Array(this.cfg.ring);
    const usesList = this.cfg.map === 'indirect' && this.cfg.pages > 1;
    const ramPages = Math.floor(ctx.ram.slotBytes / PAGE_BYTES);
    this.bufferStarts = ramPages - (usesList ? ctx.vcpus : 0) - this.cfg.pages + 1;
    this.run = new TceRun(ctx.ram, {
      liobn: (NIC_LIOBN_BASE + ctx.vcpu) | 0, busHi: 0, busLo: 0, pageShift: PAGE_SHIFT,
      map: this.cfg.map, unmap: this.cfg.unmap, stuffMax: 512, singlePagePut: true, listGpa: listPageGpa(ctx.ram, ctx.vcpu),
    });
  }

  next(f: Int32Array): void {
    const run = this.run;
    if (run.done) {
      const s = this.slot;
      const pages = this.cfg.pages;
      if (this.mapped[s] !== 0) {
        // Transmit completion: the slot's buffer is unmapped before the slot is reused.
        run.beginClear(s * pages, pages);
        this.mapped[s] = 0;
      } else {
        run.beginMap(s * pages, this.rng.below(this.bufferStarts), pages, TCE_PCI_READ);
        this.mapped[s] = 1;
        this.slot = (s + 1) % this.cfg.ring;
      }
    }
    const n = run.next(f);
    this.mappedBytes = run.mapping ? n * PAGE_BYTES : 0;
    // The guest's time per buffer, after the call that maps its last page.
    this.guestNs = run.mapping && run.done ? this.cfg.guestNs : 0;
  }
}

export const nicWorkload: WorkloadSpec = {
  name: 'nic',
  description: 'NIC DMA ring per vCPU: packet buffers mapped when queued, unmapped on completion (default: H_PUT_TCE of single 4 KiB pages)',
  params: {
    buffer: `bytes per packet buffer, up to ${formatSize(MAX_BUFFER)}, mapped as whole 4 KiB pages (e.g. 1500, 2048, 64K; default ${DEFAULT_BUFFER})`,
    map: 'put: one H_PUT_TCE per page; indirect: a multi-page buffer in one H_PUT_TCE_INDIRECT (a single page still uses H_PUT_TCE, as Linux) (default put)',
    unmap: 'put: one H_PUT_TCE 0 per page; stuff: one H_STUFF_TCE 0 per buffer (default put)',
    ring: `ring slots, each one buffer in flight (default ${DEFAULT_RING})`,
    guest: 'guest nanoseconds of driver and stack work per buffer (default 0: not modelled)',
    ...WIRE_PARAMS,
  },
  sharesTables: false,
  tables(vcpus: number, params: WorkloadParams): TableConfig[] {
    nicConfig(params);
    return Array.from({ length: vcpus }, (_, v) => ({
      liobn: NIC_LIOBN_BASE + v, busOffset: 0n, pageShift: PAGE_SHIFT, entries: WINDOW_ENTRIES, userspaceOnly: false,
    }));
  },
  create: (ctx) => new NicWorkload(ctx),
};

/** The bytes of one packet buffer and the 4 KiB pages it is mapped as (checks the parameters). */
export function nicBuffer(params: WorkloadParams): { bytes: number; pages: number } {
  const pages = nicConfig(params).pages;
  return { bytes: sizeParam('nic', params, 'buffer', DEFAULT_BUFFER, 1, MAX_BUFFER), pages };
}
