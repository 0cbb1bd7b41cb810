import { F_OPCODE, F_REASON } from '../papr/frame.js';
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../papr/hcalls.js';
import { REASON_NOT_TCE_HCALL } from '../papr/reasons.js';
import { H_TOO_HARD } from '../papr/return-codes.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import { realmodeHGetTce } from './h-get-tce.js';
import { realmodeHPutTce } from './h-put-tce.js';
import { realmodeHPutTceIndirect } from './h-put-tce-indirect.js';
import { realmodeHStuffTce } from './h-stuff-tce.js';

/**
 * The real-mode hcall table (hcall_real_table): TCE hcalls go to their handler; anything else
 * leaves real mode. Allocation-free; runs inline on the vCPU thread.
 */
export function realmodeHcall(t: TceTables, f: Int32Array): number {
  switch (f[F_OPCODE]) {
    case H_PUT_TCE: return realmodeHPutTce(t, f);
    case H_GET_TCE: return realmodeHGetTce(t, f);
    case H_STUFF_TCE: return realmodeHStuffTce(t, f);
    case H_PUT_TCE_INDIRECT: return realmodeHPutTceIndirect(t, f);
    default:
      f[F_REASON] = REASON_NOT_TCE_HCALL;
      return H_TOO_HARD;
  }
}
