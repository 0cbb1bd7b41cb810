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


// The line being parsed (one at a time per thread): no object per line.
let buf: Uint8Array = new Uint8Array(0);
let at = 0;
let end = 0;
/** The halves of the last hex field read. */
let hexHi = 0;
let hexLo = 0;

/** `word` at the cursor: step over it. */
function take(word: Uint8Array): boolean {
  const n = word.length;
  if (end - at < n) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== word[i]) return false;
  at += n;
  return true;
}

/**
 * `0x` and up to 16 significant hex digits (leading zeros skipped as parseTraceBytes skips
 * them) into hexHi/hexLo, ending at a space or the line's end.
 */
function hex(key: Uint8Array): boolean {
  if (!take(key) || end - at < 3 || buf[at] !== D0 || buf[at + 1] !== X) return false;
  at += 2;
  while (at < end - 1 && buf[at] === D0 && HEX_DIGIT[buf[at + 1] as number]! >= 0) at++;
  const first = at;
  let hi = 0;
  let lo = 0;
  for (; at < end; at++) {
    const d = HEX_DIGIT[buf[at] as number]!;
    if (d < 0) break;
    hi = ((hi << 4) | (lo >>> 28)) >>> 0;
    lo = ((lo << 4) | d) >>> 0;
  }
  const digits = at - first;
  if (digits === 0 || digits > 16 || (at !== end && buf[at] !== SPACE)) return false;
  hexHi = hi;
  hexLo = lo;
  return true;
}

/** `ret=` a signed decimal that is 0 (`0`, `00`, `-0`: what parseTraceBytes reads as 0), ending the line or the field. */
function retZero(): boolean {
  if (!take(K_RET)) return false;
  if (at < end && buf[at] === MINUS) at++;
  const first = at;
  while (at < end && buf[at] === D0) at++;
  // More than 15 digits is the general parser's to judge.
  return at > first && at - first <= 15 && (at === end || buf[at] === SPACE);
}

/** A decimal of 1 to 9 digits, no sign (stuff's npages on the hot path). */
function smallDec(key: Uint8Array): number {
  if (!take(key)) return -1;
  const first = at;
  let v = 0;
  for (; at < end; at++) {
    const c = buf[at] as number;
    if (c < D0 || c > D9) break;
    v = v * 10 + (c - D0);
  }
  if (at === first || at - first > 9 || (at !== end && buf[at] !== SPACE)) return -1;
  return v;
}

function digitsFrom(i: number): number {
  while (i < end && (buf[i] as number) >= D0 && (buf[i] as number) <= D9) i++;
  return i;
}

/** Past a `PID@SECONDS.MICROS:` prefix at `from`, or `from` when there is none. */
function afterTimestamp(from: number): number {
  let i = digitsFrom(from);
  if (i === from || buf[i] !== AT) return from;
  const seconds = i + 1;
  i = digitsFrom(seconds);
  if (i === seconds || buf[i] !== DOT) return from;
  const micros = i + 1;
  i = digitsFrom(micros);
  if (i === micros || buf[i] !== COLON) return from;
  return i + 1;
}

/** The LIOBN field, at most 32 bits (8 significant digits), into out.liobn. */
function liobn(out: HotLine): boolean {
  if (!hex(K_LIOBN) || hexHi !== 0) return false;
  out.liobn = hexLo;
  return true;
}

/**
 * Parse the line in `bytes` [from, to) into `out` when it is a hot line (true); false leaves
 * the line to the general parsers (out is then meaningless).
 */
export function parseHotLine(bytes: Uint8Array, from: number, to: number, out: HotLine): boolean {
  buf = bytes;
  end = to;
  at = from;
  if (from < to && (bytes[from] as number) >= D0 && (bytes[from] as number) <= D9) at = afterTimestamp(from);
  if (!take(PREFIX)) return false;
  const pci = take(PCI_WORD);
  if (take(E_PUT)) {
    if (!liobn(out) || !hex(K_IOBA)) return false;
    out.iobaHi = hexHi;
    out.iobaLo = hexLo;
    if (!hex(K_TCE)) return false;
    out.aHi = hexHi;
    out.aLo = hexLo;
    if (!retZero()) return false;
    out.kind = HOT_PUT;
  } else if (take(E_STUFF)) {
    if (!liobn(out) || !hex(K_IOBA)) return false;
    out.iobaHi = hexHi;
    out.iobaLo = hexLo;
    if (!hex(K_TCEVALUE)) return false;
    out.aHi = hexHi;
    out.aLo = hexLo;
    out.npages = smallDec(K_NPAGES);
    if (out.npages < 0 || !retZero()) return false;
    out.kind = HOT_STUFF;
  } else if (take(E_INDIRECT)) {
    if (!liobn(out) || !hex(K_IOBA)) return false;
    out.iobaHi = hexHi;
    out.iobaLo = hexLo;
    if (!hex(K_TCELIST)) return false;
    out.aHi = hexHi;
    out.aLo = hexLo;
    if (!hex(K_IOBAN)) return false;
    out.bHi = hexHi;
    out.bLo = hexLo;
    if (!hex(K_TCEN)) return false;
    out.cHi = hexHi;
    out.cLo = hexLo;
    if (!retZero()) return false;
    out.kind = HOT_INDIRECT;
  } else if (take(E_GET)) {
    if (!liobn(out) || !hex(K_IOBA)) return false;
    out.iobaHi = hexHi;
    out.iobaLo = hexLo;
    if (!retZero() || !hex(K_TCE)) return false;
    out.aHi = hexHi;
    out.aLo = hexLo;
    out.kind = HOT_GET;
  } else {
    return false;
  }
  return at === end && isPciLiobn(out.liobn) === pci;
}
