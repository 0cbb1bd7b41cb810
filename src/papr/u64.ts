/**
 * 64-bit arithmetic on (hi, lo) u32 halves, returning plain numbers.
 *
 * The real-mode path must not allocate, and every BigInt operation allocates (~20 ns here), so
 * hypercall arguments travel as halves and these helpers do the few 64-bit operations the rules
 * need. Results that can exceed 2^53 are never formed: a page number is at most 2^52.
 * Runs in: every tier.
 */

const TWO_32 = 4294967296;

/**
 * 2^n for n in 0..64. `2 ** n` with a variable n costs ~60 ns on Node 20 (it is not folded),
 * which alone was most of a real-mode call; a table lookup is a load.
 */
export const POW2: Float64Array = Float64Array.from({ length: 65 }, (_, n) => 2 ** n);

/** Low half of x · 2^shift, for an integer 0 ≤ x < 2^32 and 0 ≤ shift < 64, in 32-bit operations. */
export function shlLo(x: number, shift: number): number {
  return shift >= 32 ? 0 : (x << shift) >>> 0;
}

/** High half of x · 2^shift (see shlLo). */
export function shlHi(x: number, shift: number): number {
  if (shift >= 32) return (x << (shift - 32)) >>> 0;
  return shift === 0 ? 0 : x >>> (32 - shift);
}

/** ⌊(hi·2^32 + lo) / 2^shift⌋ for 0 ≤ shift ≤ 63; exact when shift ≥ 11. */
export function shiftRight(hi: number, lo: number, shift: number): number {
  if (shift >= 32) return hi >>> (shift - 32);
  if (shift === 0) return hi * TWO_32 + lo;
  return hi * (POW2[32 - shift] as number) + (lo >>> shift);
}

/** Whether the low `bits` bits of (hi, lo) are all zero, for 0 ≤ bits ≤ 64. */
export function lowBitsZero(hi: number, lo: number, bits: number): boolean {
  if (bits <= 0) return true;
  if (bits < 32) return (lo & ((1 << bits) - 1)) === 0;
  if (lo !== 0) return false;
  if (bits >= 64) return hi === 0;
  if (bits === 32) return true;
  return (hi & ((1 << (bits - 32)) - 1)) === 0;
}

/** The value as a number when it is below 2^53, else +Infinity (for bounds checks only). */
export function toBoundedNumber(hi: number, lo: number): number {
  return hi < 0x200000 ? hi * TWO_32 + lo : Infinity;
}

/** Edge helpers (never on the real-mode path): BigInt <-> halves. */
export function bigLo(value: bigint): number {
  return Number(value & 0xffffffffn);
}
export function bigHi(value: bigint): number {
  return Number((value >> 32n) & 0xffffffffn);
}
export function toBig(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** A value in hex for messages: 0x followed by lower-case digits. */
export function hex(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}
