/**
 * Userspace H_RTAS (QEMU h_rtas / spapr_rtas_call): r4 is the guest physical address of the
 * RTAS argument buffer, big-endian u32 words: token, nargs, nret, the nargs arguments, then
 * room for nret returns. QEMU looks the token up, the handler stores its return words after
 * the arguments, and the hcall answers H_SUCCESS; an unknown token stores PARAM_ERROR and
 * answers H_PARAMETER. A buffer outside guest RAM is H_PARAMETER (tcesim's choice: QEMU would
 * read unassigned memory). Runs in: userspace (the main thread).
 */
import { F_LIOBN_HI, F_LIOBN_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import {
  RTAS_ARGS_FIRST, RTAS_ARGS_NARGS, RTAS_ARGS_NRET, RTAS_ARGS_TOKEN, RTAS_IBM_CREATE_PE_DMA_WINDOW, RTAS_IBM_QUERY_PE_DMA_WINDOW,
  RTAS_IBM_REMOVE_PE_DMA_WINDOW, RTAS_IBM_RESET_PE_DMA_WINDOW, RTAS_MAX_WORDS, RTAS_OUT_PARAM_ERROR,
} from '../papr/rtas.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';
import {
  rtasCreatePeDmaWindow, rtasQueryPeDmaWindow, rtasRemovePeDmaWindow, rtasResetPeDmaWindow, type RtasHandler,
} from './rtas-ddw.js';
import type { SpaprIommu } from './spapr-iommu.js';

/** QEMU's RTAS token table (spapr_rtas_register); the DDW calls are registered by the PHB code. */
const RTAS_CALLS: ReadonlyMap<number, RtasHandler> = new Map([
  [RTAS_IBM_QUERY_PE_DMA_WINDOW, rtasQueryPeDmaWindow],
  [RTAS_IBM_CREATE_PE_DMA_WINDOW, rtasCreatePeDmaWindow],
  [RTAS_IBM_REMOVE_PE_DMA_WINDOW, rtasRemovePeDmaWindow],
  [RTAS_IBM_RESET_PE_DMA_WINDOW, rtasResetPeDmaWindow],
]);

function ld(ram: GuestRam, at: number): number {
  return ram.data.getUint32(at, false);
}

export function userspaceHRtas(q: SpaprIommu, f: Int32Array): number {
  const ram = q.tables.ram;
  if (u32(f, F_LIOBN_HI) !== 0 || !ram.containsRange(u32(f, F_LIOBN_LO), RTAS_ARGS_FIRST)) return H_PARAMETER;
  const at = u32(f, F_LIOBN_LO);
  const token = ld(ram, at + RTAS_ARGS_TOKEN);
  const nargs = ld(ram, at + RTAS_ARGS_NARGS);
  const nret = ld(ram, at + RTAS_ARGS_NRET);
  const handler = RTAS_CALLS.get(token);
  // A failed call stores its status even when nret is 0: keep that word in RAM too.
  if (nargs > RTAS_MAX_WORDS || nret > RTAS_MAX_WORDS || !ram.containsRange(at, RTAS_ARGS_FIRST + 4 * (nargs + Math.max(nret, 1)))) {
    return H_PARAMETER;
  }
  const args: number[] = [];
  for (let i = 0; i < nargs; i++) args.push(ld(ram, at + RTAS_ARGS_FIRST + 4 * i));
  const rets = at + RTAS_ARGS_FIRST + 4 * nargs;
  const out = handler === undefined ? [RTAS_OUT_PARAM_ERROR] : handler(q, nargs, nret, args);
  out.forEach((word, i) => ram.data.setUint32(rets + 4 * i, word >>> 0, false));
  return handler === undefined ? H_PARAMETER : H_SUCCESS;
}
