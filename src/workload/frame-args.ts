import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, F_OPCODE } from '../papr/frame.js';

/** Write a call's inputs into a frame from 32-bit halves. */
export function setCall(
  f: Int32Array, opcode: number, liobn: number, iobaHi: number, iobaLo: number,
  argHi: number, argLo: number, npages: number, liobnHi = 0,
): void {
  f[F_OPCODE] = opcode;
  f[F_LIOBN_LO] = liobn;
  // Nonzero only for a replayed bad call with a 64-bit LIOBN (a trace line QEMU answered H_PARAMETER).
  f[F_LIOBN_HI] = liobnHi;
  f[F_IOBA_LO] = iobaLo;
  f[F_IOBA_HI] = iobaHi;
  f[F_ARG_LO] = argLo;
  f[F_ARG_HI] = argHi;
  f[F_NPAGES_LO] = npages;
  f[F_NPAGES_HI] = 0;
}

/** High half of a TCE mapping 4 KiB guest page `page` (below 2^52 pages). */
export function pageTceHi(page: number): number {
  return Math.floor(page / 1048576);
}

/** Low half of a TCE mapping 4 KiB guest page `page`, with permission bits `perm`. */
export function pageTceLo(page: number, perm: number): number {
  return ((page % 1048576) * 4096) | perm;
}
