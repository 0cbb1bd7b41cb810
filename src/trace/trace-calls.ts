/**
 * A trace line -> the hcall the guest made. QEMU prints what its trace point sees, which is not
 * always the guest's arguments; what is missing is rebuilt from the table's geometry and from
 * how Linux makes these calls (docs/qemu-traces.md):
 *
 * - put / get: the ioba as printed (QEMU masks it to the page first; Linux passes it aligned).
 * - indirect: npages = iobaN + 1 (iobaN is an entry index); the list is consecutive, as Linux
 *   writes it: entry i = entry 0 + i·pagesize, with entry iobaN = tceN.
 * - stuff: the start = the printed ioba (printed after the loop) − npages·pagesize.
 * - failures (ret = H_PARAMETER, the only error these QEMU handlers give, from an entry past the
 *   window or npages = 0): the smallest call that makes QEMU print the same line. A failed
 *   indirect's failing entry k follows from the geometry (the first entry past the window), so
 *   npages = k + 1 and entry 0 = tceN − k·pagesize; iobaN = 0 with tceN = 0 inside the window is
 *   npages = 0. A failed stuff is taken to fail at its first entry (start = the printed ioba):
 *   how many entries it stuffed before the window ended is not in the line.
 *
 * A line that no call on this geometry could have printed is refused with the reason, which
 * usually means the table's geometry is not the one the trace ran on.
 */
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../papr/hcalls.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { TCE_LIST_ALIGN_MASK, TCE_LIST_MAX_ENTRIES, TCE_PERM_MASK } from '../papr/tce.js';
import { hex } from '../papr/u64.js';
import { describeGeometry, type TraceTableGeometry } from './table-geometry.js';
import type { TraceHcallEvent, TraceIndirect, TraceStuff } from './trace-events.js';

const U64_MAX = 0xffffffffffffffffn;

/** One hcall rebuilt from a trace line. */
export interface TraceCall {
  readonly opcode: number;
  readonly liobn: number;
  /** r4's high 32 bits: 0 except on a bad call whose 64-bit LIOBN QEMU printed (it has no table). */
  readonly liobnHi: number;
  readonly ioba: bigint;
  /** r6: the TCE (put), the TCE value (stuff), the list's guest address (indirect); 0 for get. */
  readonly arg: bigint;
  /** r7: npages (indirect, stuff); 0 otherwise. */
  readonly npages: number;
  /** Indirect: the list the guest writes at `arg` before the call, entry i = listFirst + i·listStep. */
  readonly listFirst: bigint;
  readonly listStep: bigint;
  /** The answer the trace shows. */
  readonly ret: number;
  /** Bytes the call maps for DMA if it succeeds (its pages whose TCE has a permission bit). */
  readonly mappedBytes: number;
  /** The LIOBN had no table at this line (unknown, or a disabled window): QEMU answered H_PARAMETER. */
  readonly noTable: boolean;
  /** Indirect: the list could not be Linux's consecutive one, so every entry is tceN (still printing the same line). */
  readonly reconstructed: boolean;
  /** H_RTAS: the RTAS call a ddw_* line records, or null for an hcall. */
  readonly rtas: TraceRtas | null;
  /** H_GET_TCE: the value the trace shows (the answer, when ret is 0). */
  readonly tce: bigint;
}

/** An RTAS call rebuilt from a ddw_* line: token, argument words, nret, and the return words QEMU gave. */
export interface TraceRtas {
  readonly token: number;
  readonly args: readonly number[];
  readonly nret: number;
  readonly expect: readonly number[];
  /** The ddw_* event it came from, for messages. */
  readonly event: string;
}

/** Checks a line against its table; every problem names the table. */
class Window {
  readonly pageBytes: bigint;
  private readonly shift: bigint;
  private readonly end: bigint;

  constructor(readonly g: TraceTableGeometry) {
    this.shift = BigInt(g.pageShift);
    this.pageBytes = 1n << this.shift;
    this.end = g.busOffset + (BigInt(g.entries) << this.shift);
  }

  /** The entry index of `ioba` (masked), or -1 outside the window (QEMU's index wraps below it). */
  index(ioba: bigint): number {
    if (ioba < this.g.busOffset || ioba >= this.end) return -1;
    return Number((ioba - this.g.busOffset) >> this.shift);
  }

  masked(ioba: bigint): bigint {
    return ioba & ~(this.pageBytes - 1n);
  }

  fail(what: string): never {
    throw new RangeError(`${what}, on liobn ${hex(this.g.liobn)}'s window of ${describeGeometry(this.g)} (${this.source()})`);
  }

  /** QEMU prints put/get/stuff iobas masked to the page. */
  checkMasked(kind: string, ioba: bigint): void {
    if (ioba !== this.masked(ioba)) this.fail(`${kind}: ioba ${hex(ioba)} is not page-aligned though QEMU prints it masked`);
  }

  private source(): string {
    switch (this.g.source) {
      case 'override': return 'from --trace-table';
      case 'ddw_create': return `from the ddw_create on line ${this.g.line}`;
      case 'default': return 'the sPAPR default; override it with --trace-table if the trace ran on another';
      default: {
        const never: never = this.g.source;
        return String(never);
      }
    }
  }
}

function checkRet(kind: string, ret: number): boolean {
  if (ret !== H_SUCCESS && ret !== H_PARAMETER) throw new RangeError(`${kind}: ret=${ret}, but QEMU's sPAPR IOMMU answers only 0 or ${H_PARAMETER}`);
  return ret === H_SUCCESS;
}

function call(
  opcode: number, e: TraceHcallEvent, ioba: bigint, arg: bigint, npages: number, mappedBytes: number,
  listFirst = 0n, listStep = 0n, reconstructed = false, noTable = false,
): TraceCall {
  const tce = e.kind === 'get' ? e.tce : 0n;
  return { opcode, liobn: e.liobn, liobnHi: e.liobnHi ?? 0, ioba, arg, npages, listFirst, listStep, ret: e.ret, mappedBytes, noTable, reconstructed, rtas: null, tce };
}

/**
 * A line on a LIOBN without a table at that point. put and get: QEMU printed the LIOBN and the
 * ioba as passed, ret H_PARAMETER. indirect and stuff are printed only on a disabled window
 * (QEMU has its table object, with no entries): an indirect fails at entry 0 having read tceN
 * (replayed with a one-entry list holding it), a stuff only with npages 0.
 */
function noTableCall(e: TraceHcallEvent, ramBytes: number): TraceCall {
  const hi = e.liobnHi ?? 0;
  const liobnText = hi !== 0 ? hex((BigInt(hi) << 32n) | BigInt(e.liobn >>> 0)) : hex(e.liobn);
  const what = `${e.kind} on liobn ${liobnText}, which has no table at this line,`;
  if (e.ret !== H_PARAMETER) throw new RangeError(`${what} answered ${e.ret}; QEMU answers H_PARAMETER (${H_PARAMETER}) there`);
  if (hi !== 0 && (e.kind === 'indirect' || e.kind === 'stuff')) {
    // QEMU looks a 64-bit LIOBN up, finds nothing and answers before its indirect/stuff trace point.
    throw new RangeError(`${what} but QEMU prints ${e.kind} only for a table it found, and no LIOBN above 32 bits has one`);
  }
  switch (e.kind) {
    case 'put': return call(H_PUT_TCE, e, e.ioba, e.tce, 0, 0, 0n, 0n, false, true);
    case 'get':
      if (e.tce !== 0n) throw new RangeError(`get failed but printed tce ${hex(e.tce)}; QEMU prints 0x0 on failure`);
      return call(H_GET_TCE, e, e.ioba, 0n, 0, 0, 0n, 0n, false, true);
    case 'indirect':
      if (e.iobaN !== 0n) throw new RangeError(`${what} printed iobaN ${hex(e.iobaN)}; a window without entries fails at entry 0`);
      if ((e.tceList & BigInt(TCE_LIST_ALIGN_MASK)) !== 0n || e.tceList + 8n > BigInt(ramBytes)) {
        throw new RangeError(`indirect: tcelist ${hex(e.tceList)} is not a 4 KiB aligned address in the guest's ${hex(ramBytes)} bytes of RAM`);
      }
      return call(H_PUT_TCE_INDIRECT, e, e.ioba, e.tceList, 1, 0, e.tceN, 0n, false, true);
    case 'stuff':
      if (e.npages !== 0) throw new RangeError(`${what} printed npages ${e.npages}; QEMU refuses more pages than a window without entries has before printing`);
      return call(H_STUFF_TCE, e, e.ioba, e.tceValue, 0, 0, 0n, 0n, false, true);
    default: {
      const never: never = e;
      throw new Error(`unknown hcall event ${JSON.stringify(never)}`);
    }
  }
}

function mapsPages(tce: bigint): boolean {
  return (tce & BigInt(TCE_PERM_MASK)) !== 0n;
}

function indirectCall(e: TraceIndirect, w: Window, ramBytes: number): TraceCall {
  const ok = checkRet('indirect', e.ret);
  const ps = w.pageBytes;
  if ((e.tceList & BigInt(TCE_LIST_ALIGN_MASK)) !== 0n) {
    throw new RangeError(`indirect: tcelist ${hex(e.tceList)} is not 4 KiB aligned, and QEMU refuses such a call before printing`);
  }
  if (e.iobaN >= BigInt(TCE_LIST_MAX_ENTRIES)) {
    throw new RangeError(`indirect: iobaN ${hex(e.iobaN)} is an entry index, at most ${TCE_LIST_MAX_ENTRIES - 1} (a list holds ${TCE_LIST_MAX_ENTRIES})`);
  }
  const first = w.index(w.masked(e.ioba));
  let npages: number;
  let failing = -1;
  if (ok) {
    npages = Number(e.iobaN) + 1;
    if (first < 0 || first + npages > w.g.entries) w.fail(`indirect: ${npages} pages from ioba ${hex(e.ioba)} succeeded but do not fit`);
  } else if (first < 0) {
    // The first entry is already past the window: QEMU stops at entry 0.
    if (e.iobaN !== 0n) w.fail(`indirect failed with iobaN ${hex(e.iobaN)}, but ioba ${hex(e.ioba)} is outside the window, so it failed at entry 0 (iobaN 0x0)`);
    failing = 0;
    npages = 1;
  } else if (e.iobaN === 0n && e.tceN === 0n) {
    // The loop never ran: QEMU answers npages 0 with H_PARAMETER.
    npages = 0;
  } else {
    failing = w.g.entries - first;
    if (failing >= TCE_LIST_MAX_ENTRIES || e.iobaN !== BigInt(failing - 1)) {
      w.fail(`indirect failed with iobaN ${hex(e.iobaN)}, but from ioba ${hex(e.ioba)} the first entry past the window is entry ${failing}` +
        (failing >= TCE_LIST_MAX_ENTRIES ? ', beyond any list' : ` (QEMU would print iobaN ${hex(failing - 1)})`));
    }
    npages = failing + 1;
  }
  // Entry `last` is the one printed as tceN: the last one read.
  const last = failing >= 0 ? failing : Math.max(npages - 1, 0);
  let listFirst = e.tceN - BigInt(last) * ps;
  let listStep = ps;
  let reconstructed = false;
  if (listFirst < 0n || listFirst + BigInt(Math.max(npages - 1, 0)) * ps > U64_MAX) {
    // Not Linux's consecutive layout: every entry tceN prints the same line (the entries before it are not in the trace).
    listFirst = e.tceN;
    listStep = 0n;
    reconstructed = true;
  }
  if (npages > 0 && e.tceList + BigInt(npages * 8) > BigInt(ramBytes)) {
    throw new RangeError(`indirect: the list at tcelist ${hex(e.tceList)} (${npages} entries) lies outside the guest's ${hex(ramBytes)} bytes of RAM`);
  }
  const mapped = ok && mapsPages(listFirst) ? npages * Number(ps) : 0;
  return call(H_PUT_TCE_INDIRECT, e, e.ioba, e.tceList, npages, mapped, listFirst, listStep, reconstructed);
}

function stuffCall(e: TraceStuff, w: Window): TraceCall {
  const ok = checkRet('stuff', e.ret);
  w.checkMasked('stuff', e.ioba);
  if (e.npages < 0 || e.npages > w.g.entries) {
    w.fail(`stuff: npages ${e.npages} is above the table's ${w.g.entries} entries, and QEMU refuses such a call before printing`);
  }
  const span = BigInt(e.npages) * w.pageBytes;
  let start: bigint;
  if (ok) {
    if (e.npages === 0) throw new RangeError('stuff: npages 0 succeeded, but QEMU answers npages 0 with H_PARAMETER');
    start = e.ioba - span;
    const first = w.index(start);
    if (first < 0 || first + e.npages > w.g.entries) w.fail(`stuff: ${e.npages} pages ending at ioba ${hex(e.ioba)} succeeded but do not fit`);
  } else {
    // Failed at its first entry (see above), or npages 0: the printed ioba is the start.
    if (e.npages > 0 && w.index(e.ioba) >= 0) w.fail(`stuff failed, but the ioba it stopped at, ${hex(e.ioba)}, lies inside the window`);
    start = e.ioba;
  }
  const mapped = ok && mapsPages(e.tceValue) ? Number(span) : 0;
  return call(H_STUFF_TCE, e, start, e.tceValue, e.npages, mapped);
}

/** One Window per table geometry, built the first time a line needs it. */
const windows = new WeakMap<TraceTableGeometry, Window>();

/**
 * The call behind hcall line `e` on table `g` (null: the LIOBN has no table there; with `ramBytes` of guest RAM for an indirect's
 * list). Throws a RangeError naming the problem when no call could have printed the line.
 */
export function traceCall(e: TraceHcallEvent, g: TraceTableGeometry | null, ramBytes: number): TraceCall {
  // A LIOBN with any of its upper 32 bits set is never a table's, whatever its low word names.
  if (g === null || (e.liobnHi ?? 0) !== 0) return noTableCall(e, ramBytes);
  let w = windows.get(g);
  if (w === undefined) {
    w = new Window(g);
    windows.set(g, w);
  }
  switch (e.kind) {
    case 'put': {
      const ok = checkRet('put', e.ret);
      w.checkMasked('put', e.ioba);
      if (ok !== w.index(e.ioba) >= 0) w.fail(`put ${ok ? 'succeeded' : 'failed'}, but ioba ${hex(e.ioba)} lies ${ok ? 'outside' : 'inside'} the window`);
      return call(H_PUT_TCE, e, e.ioba, e.tce, 0, ok && mapsPages(e.tce) ? Number(w.pageBytes) : 0);
    }
    case 'get': {
      const ok = checkRet('get', e.ret);
      w.checkMasked('get', e.ioba);
      if (ok !== w.index(e.ioba) >= 0) w.fail(`get ${ok ? 'succeeded' : 'failed'}, but ioba ${hex(e.ioba)} lies ${ok ? 'outside' : 'inside'} the window`);
      if (!ok && e.tce !== 0n) throw new RangeError(`get failed but printed tce ${hex(e.tce)}; QEMU prints 0x0 on failure`);
      return call(H_GET_TCE, e, e.ioba, 0n, 0, 0);
    }
    case 'indirect': return indirectCall(e, w, ramBytes);
    case 'stuff': return stuffCall(e, w);
    default: {
      const never: never = e;
      throw new Error(`unknown hcall event ${JSON.stringify(never)}`);
    }
  }
}
