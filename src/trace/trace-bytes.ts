/**
 * The common trace lines parsed straight from the reader's bytes: the four hcall events
 * (`spapr_iommu_[pci_]put|get|indirect|stuff`) in QEMU's exact form, with or without the
 * `PID@SECONDS.MICROS:` prefix. No string is made, no regular expression runs, and a number
 * becomes a bigint once, from its digits.
 *
 * It answers only what it is sure of. A line of another form — another event (new_table,
 * ddw_*, xlate, …), a field out of place, a number of an unusual form (more digits than any
 * u64 prints, a long decimal), a LIOBN on the wrong variant — is answered FALLBACK, and the
 * caller hands its text to parseTraceLine (trace-line.ts), which parses it or names what is
 * wrong. So both parsers accept exactly the same lines and give the same events and the same
 * errors; this one is merely fast on the lines a trace is made of.
 */
import { isPciLiobn, type QemuTraceEvent } from './trace-events.js';
import { SPACE, AT, DOT, COLON, MINUS, D0, D9, X, HEX_DIGIT, asciiBytes } from './trace-ascii.js';

/** Answer for a line this parser leaves to parseTraceLine. */
export const FALLBACK = 0;
export type ByteParse = QemuTraceEvent | null | typeof FALLBACK;


const PREFIX = asciiBytes('spapr_iommu_');
const PCI_WORD = asciiBytes('pci_');
const E_PUT = asciiBytes('put');
const E_GET = asciiBytes('get');
const E_INDIRECT = asciiBytes('indirect');
const E_STUFF = asciiBytes('stuff');
const K_LIOBN = asciiBytes('liobn=');
const K_IOBA = asciiBytes('ioba=');
const K_TCE = asciiBytes('tce=');
const K_RET = asciiBytes('ret=');
const K_TCELIST = asciiBytes('tcelist=');
const K_IOBAN = asciiBytes('iobaN=');
const K_TCEN = asciiBytes('tceN=');
const K_TCEVALUE = asciiBytes('tcevalue=');
const K_NPAGES = asciiBytes('npages=');

/** Hex digit values by byte, -1 for anything else. */

/**
 * The cursor of the line being parsed, and whether it has left the fast path: one per thread,
 * so the field readers allocate nothing but the bigints they answer.
 */
class Cursor {
  buf: Uint8Array = new Uint8Array(0);
  at = 0;
  end = 0;
  bad = false;

  /** `word` at the cursor: step over it, or leave the line to the fallback. */
  expect(word: Uint8Array): void {
    const n = word.length;
    const buf = this.buf;
    const at = this.at;
    if (this.end - at < n) {
      this.bad = true;
      return;
    }
    for (let i = 0; i < n; i++) {
      if (buf[at + i] !== word[i]) {
        this.bad = true;
        return;
      }
    }
    this.at = at + n;
  }

  /** The space between two fields (exactly one; more is a field the fallback names). */
  space(): void {
    if (this.at < this.end && this.buf[this.at] === SPACE) this.at++;
    else this.bad = true;
  }

  /**
   * `0x` and up to 16 significant hex digits, as a bigint. Up to 13 digits (52 bits) add up
   * exactly in a double; longer values are built from two 32-bit halves.
   */
  hex(key: Uint8Array): bigint {
    this.expect(key);
    const buf = this.buf;
    const end = this.end;
    let at = this.at;
    if (this.bad || end - at < 3 || buf[at] !== D0 || buf[at + 1] !== X) {
      this.bad = true;
      return 0n;
    }
    at += 2;
    while (at < end - 1 && buf[at] === D0 && HEX_DIGIT[buf[at + 1] as number]! >= 0) at++;
    const first = at;
    let v = 0;
    for (; at < end; at++) {
      const d = HEX_DIGIT[buf[at] as number]!;
      if (d < 0) break;
      v = v * 16 + d;
    }
    this.at = at;
    const digits = at - first;
    if (digits === 0 || digits > 16 || (at !== end && buf[at] !== SPACE)) {
      this.bad = true;
      return 0n;
    }
    if (digits <= 13) return BigInt(v);
    let hi = 0;
    let lo = 0;
    for (let i = first; i < at; i++) {
      const d = HEX_DIGIT[buf[i] as number]!;
      if (at - i > 8) hi = hi * 16 + d;
      else lo = lo * 16 + d;
    }
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** High 32 bits of the last LIOBN read by liobn() (0 for every LIOBN that can have a table). */
  liobnHi = 0;

  /**
   * The LIOBN: a 64-bit hex field (QEMU prints the guest's r4), answered as its low 32 bits with
   * the high 32 in `liobnHi`, so no bigint is made for it.
   */
  liobn(key: Uint8Array): number {
    this.expect(key);
    this.liobnHi = 0;
    const buf = this.buf;
    const end = this.end;
    let at = this.at;
    if (this.bad || end - at < 3 || buf[at] !== D0 || buf[at + 1] !== X) {
      this.bad = true;
      return 0;
    }
    at += 2;
    while (at < end - 1 && buf[at] === D0 && HEX_DIGIT[buf[at + 1] as number]! >= 0) at++;
    const first = at;
    let hi = 0;
    let lo = 0;
    for (; at < end; at++) {
      const d = HEX_DIGIT[buf[at] as number]!;
      if (d < 0) break;
      // The digit leaving the low word's top goes into the high word.
      hi = hi * 16 + Math.floor(lo / 0x10000000);
      lo = (lo % 0x10000000) * 16 + d;
    }
    this.at = at;
    // More than 16 digits: a value past 64 bits, which the fallback names.
    if (at === first || at - first > 16 || (at !== end && buf[at] !== SPACE)) {
      this.bad = true;
      return 0;
    }
    this.liobnHi = hi;
    return lo;
  }

  /** A signed decimal of up to 15 digits (always a safe integer); longer ones go to the fallback. */
  dec(key: Uint8Array): number {
    this.expect(key);
    if (this.bad) return 0;
    const buf = this.buf;
    const end = this.end;
    let at = this.at;
    const neg = at < end && buf[at] === MINUS;
    if (neg) at++;
    const first = at;
    let v = 0;
    for (; at < end; at++) {
      const c = buf[at] as number;
      if (c < D0 || c > D9) break;
      v = v * 10 + (c - D0);
    }
    this.at = at;
    const digits = at - first;
    if (digits === 0 || digits > 15 || (at !== end && buf[at] !== SPACE)) {
      this.bad = true;
      return 0;
    }
    return neg ? -v : v;
  }

  /** Past the digits from `i` (as many as there are). */
  digitsFrom(i: number): number {
    const buf = this.buf;
    while (i < this.end && (buf[i] as number) >= D0 && (buf[i] as number) <= D9) i++;
    return i;
  }

  /** Past a `PID@SECONDS.MICROS:` prefix at `from`, or `from` when there is none. */
  afterTimestamp(from: number): number {
    const buf = this.buf;
    let i = this.digitsFrom(from);
    if (i === from || buf[i] !== AT) return from;
    const seconds = i + 1;
    i = this.digitsFrom(seconds);
    if (i === seconds || buf[i] !== DOT) return from;
    const micros = i + 1;
    i = this.digitsFrom(micros);
    if (i === micros || buf[i] !== COLON) return from;
    return i + 1;
  }

  /** Whether `word` is at the cursor: step over it. */
  skip(word: Uint8Array): boolean {
    const n = word.length;
    const buf = this.buf;
    const at = this.at;
    if (this.end - at < n) return false;
    for (let i = 0; i < n; i++) if (buf[at + i] !== word[i]) return false;
    this.at = at + n;
    return true;
  }

  /** Whether the event name goes on with `word` and a space (the fields follow): step over both. */
  eventIs(word: Uint8Array): boolean {
    const n = word.length;
    const buf = this.buf;
    const at = this.at;
    if (this.end - at <= n || buf[at + n] !== SPACE) return false;
    for (let i = 0; i < n; i++) if (buf[at + i] !== word[i]) return false;
    this.at = at + n + 1;
    return true;
  }
}

const c = new Cursor();

/**
 * Parse the line in `bytes` [from, to) (without its line break and trailing CR). Null for a
 * line that is not a `spapr_iommu_*` event; FALLBACK for one parseTraceLine must judge.
 */
export function parseTraceBytes(bytes: Uint8Array, from: number, to: number): ByteParse {
  c.buf = bytes;
  c.end = to;
  c.bad = false;
  c.at = from;
  if (from < to && (bytes[from] as number) >= D0 && (bytes[from] as number) <= D9) c.at = c.afterTimestamp(from);
  c.expect(PREFIX);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- expect() sets c.bad; TypeScript keeps the narrowing from the reset above
  if (c.bad) return null;
  const pci = c.skip(PCI_WORD);
  let e: QemuTraceEvent;
  if (c.eventIs(E_PUT)) {
    const liobn = c.liobn(K_LIOBN);
    const liobnHi = c.liobnHi;
    c.space();
    const ioba = c.hex(K_IOBA);
    c.space();
    const tce = c.hex(K_TCE);
    c.space();
    const ret = c.dec(K_RET);
    e = { kind: 'put', pci, liobn, liobnHi, ioba, tce, ret };
  } else if (c.eventIs(E_STUFF)) {
    const liobn = c.liobn(K_LIOBN);
    const liobnHi = c.liobnHi;
    c.space();
    const ioba = c.hex(K_IOBA);
    c.space();
    const tceValue = c.hex(K_TCEVALUE);
    c.space();
    const npages = c.dec(K_NPAGES);
    c.space();
    const ret = c.dec(K_RET);
    e = { kind: 'stuff', pci, liobn, liobnHi, ioba, tceValue, npages, ret };
  } else if (c.eventIs(E_INDIRECT)) {
    const liobn = c.liobn(K_LIOBN);
    const liobnHi = c.liobnHi;
    c.space();
    const ioba = c.hex(K_IOBA);
    c.space();
    const tceList = c.hex(K_TCELIST);
    c.space();
    const iobaN = c.hex(K_IOBAN);
    c.space();
    const tceN = c.hex(K_TCEN);
    c.space();
    const ret = c.dec(K_RET);
    e = { kind: 'indirect', pci, liobn, liobnHi, ioba, tceList, iobaN, tceN, ret };
  } else if (c.eventIs(E_GET)) {
    const liobn = c.liobn(K_LIOBN);
    const liobnHi = c.liobnHi;
    c.space();
    const ioba = c.hex(K_IOBA);
    c.space();
    const ret = c.dec(K_RET);
    c.space();
    const tce = c.hex(K_TCE);
    e = { kind: 'get', pci, liobn, liobnHi, ioba, ret, tce };
  } else {
    return FALLBACK;
  }
  // Anything left on the line, or a LIOBN on the other variant, is the fallback's to name.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the parse calls set c.bad; TypeScript keeps the narrowing from the reset above
  if (c.bad || c.at !== c.end || isPciLiobn(e.liobn) !== pci) return FALLBACK;
  return e;
}
