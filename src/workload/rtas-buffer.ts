/**
 * The guest's side of an RTAS call: the argument buffer it writes into its RAM before making
 * H_RTAS with the buffer's address, and the return words it reads back after (src/papr/rtas.ts).
 */
import { RTAS_ARGS_FIRST, RTAS_ARGS_NARGS, RTAS_ARGS_NRET, RTAS_ARGS_TOKEN } from '../papr/rtas.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';

/** Bytes a buffer of nargs + nret words takes. */
function rtasBufferBytes(nargs: number, nret: number): number {
  return RTAS_ARGS_FIRST + 4 * (nargs + nret);
}

/** Write token, counts and the argument words at `at` (caller keeps it in RAM); the return words are zeroed. */
export function writeRtasArgs(ram: GuestRam, at: number, token: number, nargs: number, nret: number, args: readonly number[]): void {
  ram.bytes.fill(0, at, at + rtasBufferBytes(Math.max(nargs, args.length), Math.max(nret, 1)));
  ram.data.setUint32(at + RTAS_ARGS_TOKEN, token >>> 0, false);
  ram.data.setUint32(at + RTAS_ARGS_NARGS, nargs >>> 0, false);
  ram.data.setUint32(at + RTAS_ARGS_NRET, nret >>> 0, false);
  args.forEach((w, k) => ram.data.setUint32(at + RTAS_ARGS_FIRST + 4 * k, w >>> 0, false));
}

/** The first `count` return words (u32) of the buffer at `at` with nargs arguments. */
export function readRtasRets(ram: GuestRam, at: number, nargs: number, count: number): number[] {
  const rets = at + RTAS_ARGS_FIRST + 4 * nargs;
  return Array.from({ length: count }, (_, k) => ram.data.getUint32(rets + 4 * k, false));
}
