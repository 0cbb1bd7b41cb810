/**
 * The call behind a hot line (trace-hot-line.ts) rebuilt in plain numbers, for the replay's
 * vCPU thread: what traceCall (trace-calls.ts) rebuilds, for the cases a successful trace is
 * made of — put, get, stuff and a Linux-layout indirect that succeeded on a window whose bus
 * addresses stay below 2^53. Any other case is declined (false) and the line goes through
 * traceCall, which gives the same call or names the problem. No bigint, no allocation.
 *
 * test/trace/trace-calls-hot.test.ts checks that every line taken here gives traceCall's call.
 */
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../papr/hcalls.js';
import { TCE_LIST_ALIGN_MASK, TCE_LIST_MAX_ENTRIES, TCE_PERM_MASK } from '../papr/tce.js';
import type { TraceTableGeometry } from './table-geometry.js';
import { HOT_GET, HOT_INDIRECT, HOT_PUT, HOT_STUFF, HotLine } from './trace-hot-line.js';

const TWO32 = 4294967296;
/** Halves above this make a value of 2^53 or more (not exact as a double). */
const SAFE_HI = 0x200000;

/** A hot line and the call rebuilt from it. */
export class HotCall extends HotLine {
  opcode = 0;
  /** The call's r5 (ioba) and r6 (arg) as halves, r7 npages. */
  callIobaHi = 0;
  callIobaLo = 0;
  argHi = 0;
  argLo = 0;
  callNpages = 0;
  /** Indirect: the list the guest writes at arg, entry i = listFirst + i·listStep. */
  listFirstHi = 0;
  listFirstLo = 0;
  listStep = 0;
  /** Bytes the call maps if it succeeds. */
  mappedBytes = 0;
}

/** A table's window in doubles (exact: every bus address in it is below 2^53). */
class NumWindow {
  readonly pageBytes: number;
  readonly start: number;
  readonly end: number;
  readonly entries: number;
  /** Whether the window lies below 2^53 (else the hot path declines its lines). */
  readonly exact: boolean;

  constructor(g: TraceTableGeometry) {
    this.pageBytes = 2 ** g.pageShift;
    this.start = Number(g.busOffset);
    this.entries = g.entries;
    this.end = this.start + g.entries * this.pageBytes;
    this.exact = g.busOffset + (BigInt(g.entries) << BigInt(g.pageShift)) <= 2n ** 53n;
  }

  /** The entry of `ioba`, or -1 outside the window. */
  index(ioba: number): number {
    return ioba < this.start || ioba >= this.end ? -1 : Math.floor((ioba - this.start) / this.pageBytes);
  }
}

const windows = new WeakMap<TraceTableGeometry, NumWindow>();
let lastG: TraceTableGeometry | null = null;
let lastW: NumWindow | null = null;

function windowOf(g: TraceTableGeometry): NumWindow {
  if (g === lastG && lastW !== null) return lastW;
  let w = windows.get(g);
  if (w === undefined) {
    w = new NumWindow(g);
    windows.set(g, w);
  }
  lastG = g;
  lastW = w;
  return w;
}

const mapsPages = (lo: number): boolean => (lo & TCE_PERM_MASK) !== 0;

/**
 * Rebuild the call of hot line `h` on table `g` with `ramBytes` of guest RAM into h's call
 * fields; false: not a case for the hot path (traceCall decides it).
 */
export function buildHotCall(h: HotCall, g: TraceTableGeometry, ramBytes: number): boolean {
  const w = windowOf(g);
  if (!w.exact || h.iobaHi >= SAFE_HI) return false;
  const ioba = h.iobaHi * TWO32 + h.iobaLo;
  const ps = w.pageBytes;
  h.listFirstHi = 0;
  h.listFirstLo = 0;
  h.listStep = 0;
  switch (h.kind) {
    case HOT_PUT:
    case HOT_GET: {
      // Printed masked, and a success lies inside the window.
      if (ioba % ps !== 0 || w.index(ioba) < 0) return false;
      h.opcode = h.kind === HOT_PUT ? H_PUT_TCE : H_GET_TCE;
      h.callIobaHi = h.iobaHi;
      h.callIobaLo = h.iobaLo;
      h.argHi = h.kind === HOT_PUT ? h.aHi : 0;
      h.argLo = h.kind === HOT_PUT ? h.aLo : 0;
      h.callNpages = 0;
      h.mappedBytes = h.kind === HOT_PUT && mapsPages(h.aLo) ? ps : 0;
      return true;
    }
    case HOT_STUFF: {
      const n = h.npages;
      if (ioba % ps !== 0 || n < 1 || n > w.entries) return false;
      // Printed after the loop: the start is npages pages before.
      const start = ioba - n * ps;
      const first = w.index(start);
      if (first < 0 || first + n > w.entries) return false;
      h.opcode = H_STUFF_TCE;
      h.callIobaHi = Math.floor(start / TWO32);
      h.callIobaLo = start % TWO32;
      h.argHi = h.aHi;
      h.argLo = h.aLo;
      h.callNpages = n;
      h.mappedBytes = mapsPages(h.aLo) ? n * ps : 0;
      return true;
    }
    case HOT_INDIRECT: {
      if ((h.aLo & TCE_LIST_ALIGN_MASK) !== 0 || h.bHi !== 0 || h.bLo >= TCE_LIST_MAX_ENTRIES || h.aHi >= SAFE_HI) return false;
      const n = h.bLo + 1;
      const first = w.index(ioba - (ioba % ps));
      if (first < 0 || first + n > w.entries) return false;
      if (h.aHi * TWO32 + h.aLo + n * 8 > ramBytes) return false;
      // Linux's list: entry i = entry 0 + i pages; the last one read is tceN.
      const back = (n - 1) * ps;
      const backHi = Math.floor(back / TWO32);
      let lo = h.cLo - (back - backHi * TWO32);
      let hi = h.cHi - backHi;
      if (lo < 0) {
        lo += TWO32;
        hi--;
      }
      // Below 0: not Linux's layout (traceCall rebuilds another list).
      if (hi < 0) return false;
      h.opcode = H_PUT_TCE_INDIRECT;
      h.callIobaHi = h.iobaHi;
      h.callIobaLo = h.iobaLo;
      h.argHi = h.aHi;
      h.argLo = h.aLo;
      h.callNpages = n;
      h.listFirstHi = hi;
      h.listFirstLo = lo;
      h.listStep = ps;
      h.mappedBytes = mapsPages(lo) ? n * ps : 0;
      return true;
    }
    default:
      return false;
  }
}
