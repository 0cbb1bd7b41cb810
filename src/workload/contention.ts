/**
 * `contention`: every vCPU hammers the same 8 entries of one shared table (LIOBN 0x80000000)
 * with H_PUT_TCE, each write a value no other call writes (it encodes the vCPU and the call
 * number). Lock contention makes real mode give up (lock-contended), so paths depend on timing;
 * what must not depend on it is that every write is in the log in the order it was applied.
 */
import { H_PUT_TCE } from '../papr/hcalls.js';
import type { TableConfig } from '../pipeline/machine-config.js';
import { pageTceHi, pageTceLo, setCall } from './frame-args.js';
import type { Workload, WorkloadContext, WorkloadSpec } from './workload.js';

const LIOBN = 0x80000000;
const HOT_ENTRIES = 8;

class ContentionWorkload implements Workload {
  mappedBytes = 4096;
  guestNs = 0;
  private seq = 0;
  private readonly ramPages: number;

  constructor(private readonly ctx: WorkloadContext) {
    this.ramPages = Math.floor(ctx.ram.slotBytes / 4096);
  }

  next(f: Int32Array): void {
    const n = this.seq++;
    const page = (this.ctx.vcpu * this.ctx.calls + n) % this.ramPages;
    setCall(f, H_PUT_TCE, LIOBN, 0, (n % HOT_ENTRIES) * 4096, pageTceHi(page), pageTceLo(page, 3), 0);
  }
}

export const contentionWorkload: WorkloadSpec = {
  name: 'contention',
  description: 'all vCPUs write the same 8 entries of one shared table with unique values',
  params: {},
  sharesTables: true,
  tables(): TableConfig[] {
    return [{ liobn: LIOBN, busOffset: 0n, pageShift: 12, entries: 4096, userspaceOnly: false }];
  },
  create: (ctx) => new ContentionWorkload(ctx),
};
