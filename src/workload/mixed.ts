/**
 * `mixed`: a seeded random mix of all four TCE hcalls, each vCPU on its own table (LIOBN
 * 0x80000000 + vCPU, 4096 entries of 4 KiB). Every call is well-formed in the sense of
 * SPEC.md §6 (the modes must agree on it): aligned ioba inside the window, mapping TCEs
 * aligned inside guest RAM, STUFF values without permission bits, INDIRECT lists in RAM.
 * Used to show mode equivalence: same return codes and tables, different paths.
 */
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../papr/hcalls.js';
import type { TableConfig } from '../pipeline/machine-config.js';
import { pageTceHi, pageTceLo, setCall } from './frame-args.js';
import { Prng } from './prng.js';
import type { Workload, WorkloadContext, WorkloadSpec } from './workload.js';

const LIOBN_BASE = 0x80000000;
const ENTRIES = 4096;
const MAX_RUN = 64;

class MixedWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  private readonly rng: Prng;
  private readonly liobn: number;
  private readonly listGpa: number;
  private readonly bufferPages: number;

  constructor(private readonly ctx: WorkloadContext) {
    this.rng = new Prng(ctx.seed, ctx.vcpu);
    this.liobn = (LIOBN_BASE + ctx.vcpu) | 0;
    const pages = Math.floor(ctx.ram.slotBytes / 4096);
    // The top pages of RAM hold each vCPU's INDIRECT list page; buffers come from below them.
    this.listGpa = (pages - 1 - ctx.vcpu) * 4096;
    this.bufferPages = pages - ctx.vcpus;
  }

  /** A TCE that is well-formed: 0, or an aligned page in RAM with 1-3 permission bits. */
  private tce(): [number, number] {
    if (this.rng.chance(0.2)) return [0, 0];
    const page = this.rng.below(this.bufferPages);
    return [pageTceHi(page), pageTceLo(page, 1 + this.rng.below(3))];
  }

  next(f: Int32Array): void {
    const r = this.rng;
    const kind = r.below(10);
    const index = r.below(ENTRIES);
    const ioba = index * 4096;
    this.mappedBytes = 0;
    this.guestNs = 1000;
    if (kind < 4) {
      const [hi, lo] = this.tce();
      setCall(f, H_PUT_TCE, this.liobn, 0, ioba, hi, lo, 0);
      if ((lo & 3) !== 0) this.mappedBytes = 4096;
    } else if (kind < 6) {
      setCall(f, H_GET_TCE, this.liobn, 0, ioba, 0, 0, 0);
    } else if (kind < 8) {
      const n = 1 + r.below(Math.min(MAX_RUN, ENTRIES - index));
      setCall(f, H_STUFF_TCE, this.liobn, 0, ioba, 0, 0, n);
    } else {
      const n = 1 + r.below(Math.min(MAX_RUN, ENTRIES - index));
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        const [hi, lo] = this.tce();
        this.ctx.ram.writeBeHalves(this.listGpa + i * 8, hi, lo);
        if ((lo & 3) !== 0) bytes += 4096;
      }
      setCall(f, H_PUT_TCE_INDIRECT, this.liobn, 0, ioba, 0, this.listGpa, n);
      this.mappedBytes = bytes;
    }
  }
}

export const mixedWorkload: WorkloadSpec = {
  name: 'mixed',
  description: 'seeded random mix of PUT, GET, STUFF and INDIRECT, well-formed, a table per vCPU',
  params: {},
  sharesTables: false,
  tables(vcpus: number): TableConfig[] {
    return Array.from({ length: vcpus }, (_, v) => ({
      liobn: LIOBN_BASE + v, busOffset: 0n, pageShift: 12, entries: ENTRIES, userspaceOnly: false,
    }));
  },
  create: (ctx) => new MixedWorkload(ctx),
};
