/**
 * The tables a trace runs on. A QEMU trace never prints a window's geometry (page size, bus
 * offset, size) except in `ddw_create` lines, so each LIOBN's table comes from, in order:
 * the user's override, the trace's `ddw_create` line, or the sPAPR default for its kind of
 * LIOBN (VIO: 4 KiB pages at 0, 256 MiB; a PHB's default window, LIOBN 0x80000000 | phb << 8:
 * 4 KiB pages at 0, 1 GiB). A PHB's windows change with the trace's DDW lines (TraceTableResolver).
 */
import { MAX_PAGE_SHIFT, MIN_PAGE_SHIFT } from '../papr/tce.js';
import { hex } from '../papr/u64.js';
import type { TraceDdwCreate } from './trace-events.js';

export interface TraceTableGeometry {
  readonly liobn: number;
  readonly pageShift: number;
  readonly busOffset: bigint;
  readonly entries: number;
  /** Where it came from. */
  readonly source: 'override' | 'ddw_create' | 'default';
  /** The trace line that fixed it (the ddw_create, or the first line that needed the default); 0 for an override. */
  readonly line: number;
}

/** The most entries a trace table may have (8 bytes of shared memory each: 512 MiB). */
const MAX_TRACE_TABLE_ENTRIES = 2 ** 26;

/** sPAPR VIO windows: 4 KiB pages at bus address 0, 0x10000000 bytes. */
const VIO_WINDOW_BYTES = 0x10000000n;
/** A PHB's default 32-bit window: 4 KiB pages at bus address 0, 0x40000000 bytes. */
const PHB_DEFAULT_WINDOW_BYTES = 0x40000000n;
const DEFAULT_PAGE_SHIFT = 12;

/** The sPAPR default geometry of `liobn`, or null when it has none (a PHB's second window). */
export function defaultGeometry(liobn: number, line: number): TraceTableGeometry | null {
  const pci = (liobn & 0x80000000) !== 0;
  // A PCI LIOBN is 0x80000000 | phb << 8 | window: only window 0 has a default.
  if (pci && (liobn & 0xff) !== 0) return null;
  const bytes = pci ? PHB_DEFAULT_WINDOW_BYTES : VIO_WINDOW_BYTES;
  return { liobn, pageShift: DEFAULT_PAGE_SHIFT, busOffset: 0n, entries: Number(bytes >> BigInt(DEFAULT_PAGE_SHIFT)), source: 'default', line };
}

/** "262144 × 4 KiB pages at 0x0" */
export function describeGeometry(g: TraceTableGeometry): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  const u = Math.min(Math.floor(g.pageShift / 10), units.length - 1);
  return `${g.entries} × ${2 ** (g.pageShift - 10 * u)} ${units[u]} pages at ${hex(g.busOffset)}`;
}

/** A window of `bytes` bytes of `pageBytes` pages at `busOffset`, checked; throws a RangeError naming the bad value. */
function geometryOf(
  liobn: number, pageBytes: bigint, busOffset: bigint, bytes: bigint, source: TraceTableGeometry['source'], line: number,
): TraceTableGeometry {
  const shift = pageBytes > 0n && (pageBytes & (pageBytes - 1n)) === 0n ? pageBytes.toString(2).length - 1 : -1;
  if (shift < MIN_PAGE_SHIFT || shift > MAX_PAGE_SHIFT) {
    throw new RangeError(`page size ${hex(pageBytes)} must be a power of two from 4 KiB to 16 GiB`);
  }
  if ((busOffset & (pageBytes - 1n)) !== 0n) throw new RangeError(`bus offset ${hex(busOffset)} is not aligned to its ${hex(pageBytes)}-byte pages`);
  if (bytes <= 0n || (bytes & (pageBytes - 1n)) !== 0n) throw new RangeError(`window size ${hex(bytes)} must be a positive multiple of the page size ${hex(pageBytes)}`);
  const entries = bytes >> BigInt(shift);
  if (entries > BigInt(MAX_TRACE_TABLE_ENTRIES)) {
    throw new RangeError(`window size ${hex(bytes)} is ${entries} pages, more than the ${MAX_TRACE_TABLE_ENTRIES} a trace table may have`);
  }
  if (busOffset + bytes > 2n ** 64n) throw new RangeError(`window at ${hex(busOffset)} of ${hex(bytes)} bytes runs past the 64-bit bus space`);
  return { liobn, pageShift: shift, busOffset, entries: Number(entries), source, line };
}

const SIZE = /^(0x[0-9a-fA-F]+|\d+)([KMGT]?)$/;
const SUFFIX_SHIFT: Readonly<Record<string, bigint>> = { '': 0n, K: 10n, M: 20n, G: 30n, T: 40n };

/** "4K", "0x1000", "1G" -> bytes; throws a RangeError naming `what`. */
export function parseSize(what: string, text: string): bigint {
  const m = SIZE.exec(text);
  if (m === null) throw new RangeError(`${what} ${JSON.stringify(text)} must be a number (decimal or 0x hex) with an optional K, M, G or T`);
  return BigInt(m[1] as string) << (SUFFIX_SHIFT[m[2] as string] as bigint);
}

/**
 * One override, `LIOBN:PAGE:OFFSET:SIZE` (e.g. `0x80000000:64K:0:2G`): the table of LIOBN has
 * PAGE-byte pages from bus address OFFSET over SIZE bytes. Throws a RangeError naming the
 * bad part.
 */
export function parseTableOverride(text: string): TraceTableGeometry {
  const parts = text.split(':');
  if (parts.length !== 4) throw new RangeError(`table ${JSON.stringify(text)} must be LIOBN:PAGE:OFFSET:SIZE (e.g. 0x80000000:4K:0:1G)`);
  const [liobnText, page, offset, size] = parts as [string, string, string, string];
  const liobn = parseSize('LIOBN', liobnText);
  if (liobn > 0xffffffffn) throw new RangeError(`table ${JSON.stringify(text)}: LIOBN ${liobnText} does not fit in 32 bits`);
  try {
    return geometryOf(Number(liobn), parseSize('page size', page), parseSize('offset', offset), parseSize('size', size), 'override', 0);
  } catch (e) {
    throw new RangeError(`table ${JSON.stringify(text)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Separates overrides in the workload's `tables` parameter (`,` separates parameters). */
export const TABLE_OVERRIDE_SEPARATOR = '+';

/** The workload parameter `tables=A+B+…` -> overrides by LIOBN; a LIOBN given twice is refused. */
export function parseTableOverrides(text: string | undefined): ReadonlyMap<number, TraceTableGeometry> {
  const m = new Map<number, TraceTableGeometry>();
  if (text === undefined || text === '') return m;
  for (const item of text.split(TABLE_OVERRIDE_SEPARATOR)) {
    const g = parseTableOverride(item);
    if (m.has(g.liobn)) throw new RangeError(`table ${hex(g.liobn)} is overridden twice`);
    m.set(g.liobn, g);
  }
  return m;
}

/** A PHB window's LIOBN (0x80000000 | phb << 8 | n, n = 0 or 1): its PHB index and n, or null. */
function phbWindowOf(liobn: number): { phb: number; n: number } | null {
  if ((liobn & 0x80000000) === 0 || (liobn & 0xff) > 1 || (liobn & 0x7fff0000) !== 0) return null;
  return { phb: (liobn >>> 8) & 0xff, n: liobn & 1 };
}

/** The PHB index of a BUID (0x800000020000000 + index), or null. */
function phbOfBuid(buid: bigint): number | null {
  const index = buid - 0x800000020000000n;
  return index >= 0n && index <= 0xffn ? Number(index) : null;
}

/** A PHB's windows as the trace's DDW lines leave them: each window's geometry, null while disabled. */
interface TracePhb {
  /** The default window's geometry (the sPAPR default or an override). */
  readonly default0: TraceTableGeometry;
  readonly windows: [TraceTableGeometry | null, TraceTableGeometry | null];
  /** Whether each window was enabled by a reset (QEMU's def_win): removing the last non-default window resets. */
  readonly defaults: [boolean, boolean];
}

/**
 * Each LIOBN's table as a trace is read in order. Tables that exist from the start (VIO, a
 * PHB's default window, overrides) keep one geometry: the user's override, else the sPAPR
 * default when a line first needs it. A PHB's windows change with its DDW lines: ddw_create
 * gives a window its geometry from that line on, ddw_remove disables it, ddw_reset (and the
 * reset QEMU does when the last non-default window goes) brings the default window back alone.
 * A call on a LIOBN without a table at that point (unknown, or a disabled window) is replayed
 * as such: QEMU answered it H_PARAMETER. The pre-scan on the main thread and the workload on its
 * vCPU thread read the same lines through one of these each, so they agree.
 */
export class TraceTableResolver {
  private readonly known = new Map<number, TraceTableGeometry>();
  /** LIOBNs named by new_table lines (tables without a default are left out unless created or used). */
  private readonly declared = new Set<number>();
  /** PHBs whose windows the trace's DDW lines change: the machine models them (window 0 from the start). */
  private readonly phbs = new Map<number, TracePhb>();
  /** LIOBNs with only failed put/get so far, and the first such line whose ioba lies inside the default window. */
  private readonly untabled = new Map<number, number>();

  constructor(private readonly overrides: ReadonlyMap<number, TraceTableGeometry>) {
    for (const [liobn, g] of overrides) this.known.set(liobn, g);
  }

  /** A new_table line: the LIOBN has a table, its geometry still to come (a PHB's windows follow its DDW lines). */
  declare(liobn: number): void {
    if (phbWindowOf(liobn)?.n === 1) return;
    this.declared.add(liobn);
  }

  /** The PHB's DDW state, created on its first DDW line: window 0 enabled (default or override), window 1 disabled. */
  private phb(index: number, line: number): TracePhb {
    let p = this.phbs.get(index);
    if (p === undefined) {
      const liobn0 = (0x80000000 | (index << 8)) >>> 0;
      const w0 = this.known.get(liobn0) ?? defaultGeometry(liobn0, line);
      if (w0 === null) throw new Error('unreachable: window 0 has a default');
      if (w0.pageShift !== DEFAULT_PAGE_SHIFT) {
        throw new RangeError(`liobn ${hex(liobn0)} is PHB ${index}'s default window, whose pages are 4 KiB: --trace-table may set only its offset and size`);
      }
      this.known.set(liobn0, w0);
      const liobn1 = (liobn0 | 1) >>> 0;
      if (this.overrides.has(liobn1)) throw new RangeError(`liobn ${hex(liobn1)} is PHB ${index}'s second window, which the trace's DDW lines create: it takes no --trace-table`);
      p = { default0: w0, windows: [w0, null], defaults: [true, false] };
      this.phbs.set(index, p);
    }
    return p;
  }

  /** A ddw_query, or a ddw_reset not owed to a remove: the PHB is modelled; a reset restores its default window alone. */
  queried(buid: bigint, line: number): void {
    this.phbIndex(buid, line);
  }

  reset(buid: bigint, line: number): void {
    const p = this.phb(this.phbIndex(buid, line), line);
    this.resetPhb(p);
  }

  private resetPhb(p: TracePhb): void {
    p.windows[0] = p.default0;
    p.windows[1] = null;
    p.defaults[0] = true;
    p.defaults[1] = false;
  }

  private phbIndex(buid: bigint, line: number): number {
    const index = phbOfBuid(buid);
    if (index === null) throw new RangeError(`buid ${hex(buid)} is not a PHB's (0x800000020000000 + index, index up to 255)`);
    this.phb(index, line);
    return index;
  }

  /** A ddw_create at `line`: the window has this geometry from here on. */
  created(e: TraceDdwCreate, line: number): void {
    const w = phbWindowOf(e.liobn);
    if (w === null) throw new RangeError(`ddw_create of liobn ${hex(e.liobn)}: not a PHB window's LIOBN (0x80000000 | phb << 8 | 0 or 1)`);
    const index = this.phbIndex(e.buid, line);
    if (index !== w.phb) throw new RangeError(`ddw_create of liobn ${hex(e.liobn)} on buid ${hex(e.buid)}: the LIOBN belongs to PHB ${w.phb}`);
    let g: TraceTableGeometry;
    try {
      g = geometryOf(e.liobn, e.pageSize, e.startAddr, e.requested, 'ddw_create', line);
    } catch (err) {
      throw new RangeError(`ddw_create of liobn ${hex(e.liobn)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const p = this.phb(index, line);
    if (p.windows[w.n] !== null) throw new RangeError(`ddw_create of liobn ${hex(e.liobn)}, but that window is enabled (QEMU creates only a disabled window)`);
    p.windows[w.n] = g;
    p.defaults[w.n] = false;
  }

  /**
   * A ddw_remove at `line`: the window is disabled. Answers whether QEMU then reset the PHB
   * (the last window went and it was not the default one): its ddw_reset line (config address
   * 0) belongs to this remove.
   */
  removed(liobn: number, line: number): boolean {
    const w = phbWindowOf(liobn);
    if (w === null) throw new RangeError(`ddw_remove of liobn ${hex(liobn)}: not a PHB window's LIOBN`);
    const p = this.phb(w.phb, line);
    if (p.windows[w.n] === null) throw new RangeError(`ddw_remove of liobn ${hex(liobn)}, but that window is not enabled (QEMU refuses such a remove before printing)`);
    const wasDefault = p.defaults[w.n];
    p.windows[w.n] = null;
    p.defaults[w.n] = false;
    if (p.windows[0] === null && p.windows[1] === null && !wasDefault) {
      this.resetPhb(p);
      return true;
    }
    return false;
  }

  /** Whether the trace has DDW lines for PHB `index` (the machine then models it). */
  modelsPhb(index: number): boolean {
    return this.phbs.has(index);
  }

  /**
   * The table a call on `liobn` at `line` runs against, or null when it has none at that point
   * (an unknown LIOBN or a disabled window: QEMU answered H_PARAMETER). `needsTable`: the line
   * could only come from a table (a success, an indirect, a stuff). Throws a RangeError when
   * the trace never gives the table it needs.
   */
  geometry(liobn: number, line: number, needsTable = true): TraceTableGeometry | null {
    const w = phbWindowOf(liobn);
    const p = w === null ? undefined : this.phbs.get(w.phb);
    if (w !== null && p !== undefined) return p.windows[w.n] as TraceTableGeometry | null;
    const g = this.known.get(liobn);
    if (g !== undefined) return g;
    if (!needsTable && !this.declared.has(liobn)) {
      if (!this.untabled.has(liobn)) this.untabled.set(liobn, line);
      return null;
    }
    const d = defaultGeometry(liobn, line);
    if (d === null) {
      throw new RangeError(
        `liobn ${hex(liobn)} is a PHB's second window and the trace has no ddw_create for it before this line: ` +
        `give its geometry with --trace-table ${hex(liobn)}:PAGE:OFFSET:SIZE`,
      );
    }
    this.known.set(liobn, d);
    return d;
  }

  /**
   * LIOBNs that had only failed put/get lines before a line needed their table: those lines
   * were replayed as calls on a table, so they must fit it (checked by the caller against the
   * returned geometry); each with the first such line.
   */
  untabledThenTabled(): { liobn: number; line: number; g: TraceTableGeometry }[] {
    const out: { liobn: number; line: number; g: TraceTableGeometry }[] = [];
    for (const [liobn, line] of this.untabled) {
      const g = this.known.get(liobn);
      if (g !== undefined) out.push({ liobn, line, g });
    }
    return out;
  }

  /** Every table the machine creates at the start, in LIOBN order: each one known, and each declared one that has a default (a modelled PHB's windows are the PHB's). */
  tables(): TraceTableGeometry[] {
    for (const liobn of this.declared) {
      if (!this.known.has(liobn)) {
        const d = defaultGeometry(liobn, 0);
        if (d !== null) this.known.set(liobn, d);
      }
    }
    return [...this.known.values()].filter((g) => {
      const w = phbWindowOf(g.liobn);
      return w === null || !this.phbs.has(w.phb);
    }).sort((a, b) => a.liobn - b.liobn);
  }

  /** The PHBs the machine models (their default window's offset and size), in index order. */
  modelledPhbs(): { index: number; dmaWinAddr: bigint; dmaWinSize: bigint }[] {
    return [...this.phbs.keys()].sort((a, b) => a - b).map((index) => {
      const g = this.known.get((0x80000000 | (index << 8)) >>> 0) as TraceTableGeometry;
      return { index, dmaWinAddr: g.busOffset, dmaWinSize: BigInt(g.entries) << BigInt(g.pageShift) };
    });
  }
}
