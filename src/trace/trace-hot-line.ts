/**
 * The replay's hot path: an hcall line parsed from the reader's bytes into plain numbers —
 * every hex field as two unsigned 32-bit halves, no bigint, no event object — in a HotLine the
 * caller owns and reuses. It takes only the lines a successful replay is made of: the four
 * hcall events in QEMU's exact form (with or without the `PID@SECONDS.MICROS:` prefix), a
 * LIOBN of at most 32 bits on its own variant, `ret=0`. Any other line is declined (false) and
 * goes the general way (trace-bytes.ts, trace-line.ts, trace-calls.ts), which names problems.
 *
 * On a line it takes, its numbers are those parseTraceBytes gives (test/trace/trace-hot-line.test.ts
 * checks this on every sample line and on seeded random damages of them).
 */
import { isPciLiobn } from './trace-events.js';
import { SPACE, AT, DOT, COLON, MINUS, D0, D9, X, HEX_DIGIT, asciiBytes } from './trace-ascii.js';

export const HOT_PUT = 1;
export const HOT_GET = 2;
export const HOT_STUFF = 3;
export const HOT_INDIRECT = 4;

/** One parsed hcall line. Hex fields as unsigned 32-bit halves; which ones a kind fills is said per field. */
export class HotLine {
  kind = 0;
  liobn = 0;
  iobaHi = 0;
  iobaLo = 0;
  /** put: tce; get: tce; stuff: tcevalue; indirect: tcelist. */
  aHi = 0;
  aLo = 0;
  /** indirect: iobaN. */
  bHi = 0;
  bLo = 0;
  /** indirect: tceN. */
  cHi = 0;
  cLo = 0;
  /** stuff: npages. */
  npages = 0;
}


const PREFIX = asciiBytes('spapr_iommu_');
const PCI_WORD = asciiBytes('pci_');
const E_PUT = asciiBytes('put ');
const E_GET = asciiBytes('get ');
const E_INDIRECT = asciiBytes('indirect ');
const E_STUFF = asciiBytes('stuff ');
const K_LIOBN = asciiBytes('liobn=');
const K_IOBA = asciiBytes(' ioba=');
const K_TCE = asciiBytes(' tce=');
const K_RET = asciiBytes(' ret=');
const K_TCELIST = asciiBytes(' tcelist=');
const K_IOBAN = asciiBytes(' iobaN=');
const K_TCEN = asciiBytes(' tceN=');
const K_TCEVALUE = asciiBytes(' tcevalue=');
const K_NPAGES = asciiBytes(' npages=');


// The parser keeps its cursor in locals and passes it from helper to helper (each answers the
// cursor after what it read, or -1): kept in module variables, as before, every step was a
// load and a store through the module's context, and parsing took ~0.6 us a line.

/** The halves of the last hex field read, and the last small decimal (typed: no heap number per store). */
const got = new Uint32Array(3);
const HI = 0;
const LO = 1;
const DEC = 2;

/** `word` at `at` in b[.., end): the cursor after it, or -1. */
function take(b: Uint8Array, at: number, end: number, word: Uint8Array): number {
  const n = word.length;
  if (at < 0 || end - at < n) return -1;
  for (let i = 0; i < n; i++) if (b[at + i] !== word[i]) return -1;
  return at + n;
}

/**
 * `key`, `0x` and up to 16 significant hex digits (leading zeros skipped as parseTraceBytes
 * skips them) into got[HI]/got[LO], ending at a space or the line's end: the cursor after, or -1.
 */
function hex(b: Uint8Array, from: number, end: number, key: Uint8Array): number {
  let at = take(b, from, end, key);
  if (at < 0 || end - at < 3 || b[at] !== D0 || b[at + 1] !== X) return -1;
  at += 2;
  while (at < end - 1 && b[at] === D0 && HEX_DIGIT[b[at + 1] as number]! >= 0) at++;
  const first = at;
  // The digits are read as 32-bit signed halves (no unsigned shift, which makes a double past
  // 2^31): the high half takes what shifts out of the low one.
  let hi = 0;
  let lo = 0;
  for (; at < end; at++) {
    const d = HEX_DIGIT[b[at] as number]!;
    if (d < 0) break;
    hi = (hi << 4) | (lo >>> 28);
    lo = (lo << 4) | d;
  }
  const digits = at - first;
  if (digits === 0 || digits > 16 || (at !== end && b[at] !== SPACE)) return -1;
  got[HI] = hi;
  got[LO] = lo;
  return at;
}

/** `ret=` a signed decimal that is 0 (`0`, `00`, `-0`: what parseTraceBytes reads as 0), ending the line or the field: the cursor after, or -1. */
function retZero(b: Uint8Array, from: number, end: number): number {
  let at = take(b, from, end, K_RET);
  if (at < 0) return -1;
  if (at < end && b[at] === MINUS) at++;
  const first = at;
  while (at < end && b[at] === D0) at++;
  // More than 15 digits is the general parser's to judge.
  return at > first && at - first <= 15 && (at === end || b[at] === SPACE) ? at : -1;
}

/** `key` and a decimal of 1 to 9 digits, no sign (stuff's npages on the hot path), into got[DEC]: the cursor after, or -1. */
function smallDec(b: Uint8Array, from: number, end: number, key: Uint8Array): number {
  let at = take(b, from, end, key);
  if (at < 0) return -1;
  const first = at;
  let v = 0;
  for (; at < end; at++) {
    const c = b[at] as number;
    if (c < D0 || c > D9) break;
    v = v * 10 + (c - D0);
  }
  if (at === first || at - first > 9 || (at !== end && b[at] !== SPACE)) return -1;
  got[DEC] = v;
  return at;
}

function digitsFrom(b: Uint8Array, i: number, end: number): number {
  while (i < end && (b[i] as number) >= D0 && (b[i] as number) <= D9) i++;
  return i;
}

/** Past a `PID@SECONDS.MICROS:` prefix at `from`, or `from` when there is none. */
function afterTimestamp(b: Uint8Array, from: number, end: number): number {
  let i = digitsFrom(b, from, end);
  if (i === from || b[i] !== AT) return from;
  const seconds = i + 1;
  i = digitsFrom(b, seconds, end);
  if (i === seconds || b[i] !== DOT) return from;
  const micros = i + 1;
  i = digitsFrom(b, micros, end);
  if (i === micros || b[i] !== COLON) return from;
  return i + 1;
}

/**
 * Parse the line in `bytes` [from, to) into `out` when it is a hot line (true); false leaves
 * the line to the general parsers (out is then meaningless).
 *
 * Each event's branch reads its own fields, the liobn and ioba included, one after the other:
 * the shared start written once, as a function, made the cold pre-scan of the 400k-call trace
 * slower (median 270 to 338 ms, 5 interleaved runs of scanTraceParams), so the lines repeat.
 */
export function parseHotLine(bytes: Uint8Array, from: number, to: number, out: HotLine): boolean {
  const b = bytes;
  const end = to;
  let at = from;
  if (from < to && (b[from] as number) >= D0 && (b[from] as number) <= D9) at = afterTimestamp(b, from, end);
  at = take(b, at, end, PREFIX);
  if (at < 0) return false;
  const afterPci = take(b, at, end, PCI_WORD);
  const pci = afterPci >= 0;
  if (pci) at = afterPci;
  let e: number;
  if ((e = take(b, at, end, E_PUT)) >= 0) {
    // The LIOBN has at most 32 bits (8 significant digits).
    at = hex(b, e, end, K_LIOBN);
    if (at < 0 || got[HI] !== 0) return false;
    out.liobn = got[LO]!;
    at = hex(b, at, end, K_IOBA);
    if (at < 0) return false;
    out.iobaHi = got[HI]!;
    out.iobaLo = got[LO]!;
    at = hex(b, at, end, K_TCE);
    if (at < 0) return false;
    out.aHi = got[HI]!;
    out.aLo = got[LO]!;
    at = retZero(b, at, end);
    out.kind = HOT_PUT;
  } else if ((e = take(b, at, end, E_STUFF)) >= 0) {
    at = hex(b, e, end, K_LIOBN);
    if (at < 0 || got[HI] !== 0) return false;
    out.liobn = got[LO]!;
    at = hex(b, at, end, K_IOBA);
    if (at < 0) return false;
    out.iobaHi = got[HI]!;
    out.iobaLo = got[LO]!;
    at = hex(b, at, end, K_TCEVALUE);
    if (at < 0) return false;
    out.aHi = got[HI]!;
    out.aLo = got[LO]!;
    at = smallDec(b, at, end, K_NPAGES);
    if (at < 0) return false;
    out.npages = got[DEC]!;
    at = retZero(b, at, end);
    out.kind = HOT_STUFF;
  } else if ((e = take(b, at, end, E_INDIRECT)) >= 0) {
    at = hex(b, e, end, K_LIOBN);
    if (at < 0 || got[HI] !== 0) return false;
    out.liobn = got[LO]!;
    at = hex(b, at, end, K_IOBA);
    if (at < 0) return false;
    out.iobaHi = got[HI]!;
    out.iobaLo = got[LO]!;
    at = hex(b, at, end, K_TCELIST);
    if (at < 0) return false;
    out.aHi = got[HI]!;
    out.aLo = got[LO]!;
    at = hex(b, at, end, K_IOBAN);
    if (at < 0) return false;
    out.bHi = got[HI]!;
    out.bLo = got[LO]!;
    at = hex(b, at, end, K_TCEN);
    if (at < 0) return false;
    out.cHi = got[HI]!;
    out.cLo = got[LO]!;
    at = retZero(b, at, end);
    out.kind = HOT_INDIRECT;
  } else if ((e = take(b, at, end, E_GET)) >= 0) {
    at = hex(b, e, end, K_LIOBN);
    if (at < 0 || got[HI] !== 0) return false;
    out.liobn = got[LO]!;
    at = hex(b, at, end, K_IOBA);
    if (at < 0) return false;
    out.iobaHi = got[HI]!;
    out.iobaLo = got[LO]!;
    at = hex(b, retZero(b, at, end), end, K_TCE);
    if (at < 0) return false;
    out.aHi = got[HI]!;
    out.aLo = got[LO]!;
    out.kind = HOT_GET;
  } else {
    return false;
  }
  return at === end && isPciLiobn(out.liobn) === pci;
}
