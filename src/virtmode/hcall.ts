import { F_OPCODE, F_REASON } from '../papr/frame.js';
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../papr/hcalls.js';
import { REASON_NOT_TCE_HCALL } from '../papr/reasons.js';
import { H_TOO_HARD } from '../papr/return-codes.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import { virtmodeHGetTce } from './h-get-tce.js';
import { virtmodeHPutTce } from './h-put-tce.js';
import { virtmodeHPutTceIndirect } from './h-put-tce-indirect.js';
import { virtmodeHStuffTce } from './h-stuff-tce.js';

/**
 * The virtual-mode hcall dispatch (kvmppc_pseries_do_hcall): TCE hcalls go to their handler; anything else
 * exits to userspace. Allocation-free; runs on a virtual-mode worker.
 */
export function virtmodeHcall(t: TceTables, f: Int32Array): number {
  switch (f[F_OPCODE]) {
    case H_PUT_TCE: return virtmodeHPutTce(t, f);
    case H_GET_TCE: return virtmodeHGetTce(t, f);
    case H_STUFF_TCE: return virtmodeHStuffTce(t, f);
    case H_PUT_TCE_INDIRECT: return virtmodeHPutTceIndirect(t, f);
    default:
      f[F_REASON] = REASON_NOT_TCE_HCALL;
      return H_TOO_HARD;
  }
}
