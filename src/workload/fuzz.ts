/**
 * `fuzz`: the `mixed` workload's well-formed calls with malformed ones among them (a quarter by
 * default): an unknown LIOBN, an ioba past the window, an unknown opcode, an INDIRECT of more
 * than 512 entries or with its list off a page boundary. Each is refused by its parameter
 * checks before anything is written, in every tier, so the modes must agree on every call and
 * end with the same tables. `npm run fuzz` drives it (src/fuzz). Not here: an ioba off a page
 * boundary, which the kernel refuses and QEMU masks down and accepts (a documented difference,
 * reference §3; the conformance vectors test it), so the modes rightly disagree on it.
 */
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../papr/hcalls.js';
import { setCall } from './frame-args.js';
import { mixedWorkload } from './mixed.js';
import { Prng } from './prng.js';
import type { Workload, WorkloadContext, WorkloadSpec } from './workload.js';

const LIOBN_BASE = 0x80000000;
const ENTRIES = 4096;
const HCALLS = [H_PUT_TCE, H_GET_TCE, H_STUFF_TCE, H_PUT_TCE_INDIRECT] as const;
/** An opcode no tier knows (between H_PUT_TCE_INDIRECT 0x124 and H_STUFF_TCE 0x138). */
const FUZZ_UNKNOWN_OPCODE = 0x130;
export const MALFORMED_KINDS = ['unknown liobn', 'ioba past the window', 'unknown opcode', 'indirect > 512 entries', 'unaligned indirect list'] as const;

export class FuzzWorkload implements Workload {
  private readonly inner: Workload;
  private readonly rng: Prng;
  private readonly liobn: number;
  private readonly share: number;
  /** The kind of the last call made: -1 well-formed, else an index of MALFORMED_KINDS. */
  lastMalformed = -1;

  constructor(ctx: WorkloadContext) {
    this.inner = mixedWorkload.create(ctx);
    // Its own stream: the well-formed calls are mixed's, whatever is interleaved.
    this.rng = new Prng(ctx.seed, 0x10000 + ctx.vcpu);
    this.liobn = (LIOBN_BASE + ctx.vcpu) | 0;
    this.share = Number(ctx.params['malformed'] ?? '0.25');
  }

  get mappedBytes(): number {
    return this.lastMalformed < 0 ? this.inner.mappedBytes : 0;
  }

  get guestNs(): number {
    return 1000;
  }

  next(f: Int32Array): void {
    const r = this.rng;
    if (!r.chance(this.share)) {
      this.lastMalformed = -1;
      this.inner.next(f);
      return;
    }
    const kind = r.below(MALFORMED_KINDS.length);
    this.lastMalformed = kind;
    const op = HCALLS[r.below(HCALLS.length)] as number;
    const page = r.below(ENTRIES);
    switch (kind) {
      case 0: setCall(f, op, (0x40000000 + r.below(0x1000)) | 0, 0, page * 4096, 0, 0, 1); break;
      case 1: setCall(f, op === H_STUFF_TCE || op === H_PUT_TCE_INDIRECT ? H_PUT_TCE : op, this.liobn, 0, (ENTRIES + r.below(ENTRIES)) * 4096, 0, 0, 1); break;
      case 2: setCall(f, FUZZ_UNKNOWN_OPCODE, this.liobn, 0, page * 4096, 0, 0, 1); break;
      case 3: setCall(f, H_PUT_TCE_INDIRECT, this.liobn, 0, 0, 0, 0, 513 + r.below(1000)); break;
      default: setCall(f, H_PUT_TCE_INDIRECT, this.liobn, 0, 0, 0, 8 + 8 * r.below(500), 1); break;
    }
  }
}

export const fuzzWorkload: WorkloadSpec = {
  name: 'fuzz',
  description: 'mixed\'s well-formed calls with malformed ones among them (refused before any write, in every tier)',
  params: { malformed: 'share of malformed calls, 0 to 1 (0.25)' },
  sharesTables: false,
  tables: (vcpus, params) => mixedWorkload.tables(vcpus, params),
  checkRun(_vcpus, _calls, params) {
    const share = Number(params['malformed'] ?? '0.25');
    if (!(share >= 0 && share <= 1)) throw new RangeError(`malformed=${params['malformed']} must be a share from 0 to 1`);
  },
  create: (ctx) => new FuzzWorkload(ctx),
};
