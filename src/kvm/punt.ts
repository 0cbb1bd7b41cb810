import { F_REASON } from '../papr/frame.js';
import { H_TOO_HARD } from '../papr/return-codes.js';

/** H_TOO_HARD with its reason recorded in the frame. Runs in: real and virtual mode. */
export function punt(f: Int32Array, reason: number): number {
  f[F_REASON] = reason;
  return H_TOO_HARD;
}
