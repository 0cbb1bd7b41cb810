/**
 * `nic`: a NIC driver's transmit ring, the traffic of the seed's 10Gb VFIO measurement. Each
 * vCPU drives its own device (its own TCE table, LIOBN 0x80000000 + vCPU): 256 ring slots,
 * one 4 KiB page per packet mapped with H_PUT_TCE (read permission: the device reads the
 * packet) and unmapped with H_PUT_TCE 0 when the slot comes round again.
 *
 * GUEST_NS_PER_PAGE (an ASSUMPTION: driver and stack time per page) is chosen with the cost
 * table (src/pipeline/costs.ts) so that the modelled bandwidth reproduces seed 002's
 * 220 MB/s (userspace) against 750-1020 MB/s (in-kernel).
 */
import { H_PUT_TCE } from '../papr/hcalls.js';
import { TCE_PCI_READ } from '../papr/tce.js';
import type { TableConfig } from '../pipeline/machine-config.js';
import { pageTceHi, pageTceLo, setCall } from './frame-args.js';
import { Prng } from './prng.js';
import type { Workload, WorkloadContext, WorkloadSpec } from './workload.js';

export const NIC_LIOBN_BASE = 0x80000000;
const RING_SLOTS = 256;
const PAGE_SHIFT = 12;
export const GUEST_NS_PER_PAGE = 3600;

class NicWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  private readonly rng: Prng;
  private readonly liobn: number;
  private readonly mapped = new Uint8Array(RING_SLOTS);
  private readonly ramPages: number;
  private slot = 0;

  constructor(ctx: WorkloadContext) {
    this.rng = new Prng(ctx.seed, ctx.vcpu);
    this.liobn = (NIC_LIOBN_BASE + ctx.vcpu) | 0;
    this.ramPages = Math.floor(ctx.ram.slotBytes / 4096);
  }

  next(f: Int32Array): void {
    const s = this.slot;
    const ioba = s * 4096;
    if (this.mapped[s] !== 0) {
      // Transmit completion: the slot's page is unmapped before the slot is reused.
      setCall(f, H_PUT_TCE, this.liobn, 0, ioba, 0, 0, 0);
      this.mapped[s] = 0;
      this.mappedBytes = 0;
      this.guestNs = 0;
      return;
    }
    const page = this.rng.below(this.ramPages);
    setCall(f, H_PUT_TCE, this.liobn, 0, ioba, pageTceHi(page), pageTceLo(page, TCE_PCI_READ), 0);
    this.mapped[s] = 1;
    this.mappedBytes = 4096;
    this.guestNs = GUEST_NS_PER_PAGE;
    this.slot = (s + 1) % RING_SLOTS;
  }
}

export const nicWorkload: WorkloadSpec = {
  name: 'nic',
  description: 'NIC transmit ring per vCPU: H_PUT_TCE map and unmap of single 4 KiB pages',
  params: {},
  sharesTables: false,
  tables(vcpus: number): TableConfig[] {
    return Array.from({ length: vcpus }, (_, v) => ({
      liobn: NIC_LIOBN_BASE + v, busOffset: 0n, pageShift: PAGE_SHIFT, entries: 262144, userspaceOnly: false,
    }));
  },
  create: (ctx) => new NicWorkload(ctx),
};
