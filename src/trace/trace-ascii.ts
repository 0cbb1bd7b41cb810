/**
 * The bytes both trace-line parsers (trace-bytes.ts, trace-hot-line.ts) test for: QEMU prints its
 * trace lines in ASCII, so they compare bytes with these codes instead of building strings.
 */

export const SPACE = 0x20;
export const AT = 0x40;
export const DOT = 0x2e;
export const COLON = 0x3a;
export const MINUS = 0x2d;
export const D0 = 0x30;
export const D9 = 0x39;
export const X = 0x78;

/** An ASCII keyword as the bytes a line holds. */
export function asciiBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

/** A byte's value as a hex digit (either case), or -1. */
export const HEX_DIGIT = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_DIGIT[D0 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_DIGIT[0x61 + i] = 10 + i;
  HEX_DIGIT[0x41 + i] = 10 + i;
}
