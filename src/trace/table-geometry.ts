/**
 * The tables a trace runs on. A QEMU trace never prints a window's geometry (page size, bus
 * offset, size) except in `ddw_create` lines, so each LIOBN's table comes from, in order:
 * the user's override, the trace's `ddw_create` line, or the sPAPR default for its kind of
 * LIOBN (VIO: 4 KiB pages at 0, 256 MiB; a PHB's default window, LIOBN 0x80000000 | phb << 8:
 * 4 KiB pages at 0, 1 GiB). The machine's tables exist for the whole run, so a LIOBN keeps one
 * geometry: a trace that re-creates a window with another one is refused (override it).
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
export const MAX_TRACE_TABLE_ENTRIES = 2 ** 26;

/** sPAPR VIO windows: 4 KiB pages at bus address 0, 0x10000000 bytes. */
export const VIO_WINDOW_BYTES = 0x10000000n;
/** A PHB's default 32-bit window: 4 KiB pages at bus address 0, 0x40000000 bytes. */
export const PHB_DEFAULT_WINDOW_BYTES = 0x40000000n;
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

function sameGeometry(a: TraceTableGeometry, b: TraceTableGeometry): boolean {
  return a.pageShift === b.pageShift && a.busOffset === b.busOffset && a.entries === b.entries;
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
    throw new RangeError(`table ${JSON.stringify(text)}: ${e instanceof Error ? e.message : String(e)}`);
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

/**
 * Each LIOBN's geometry as a trace is read in order: overrides first, then a ddw_create line,
 * then the sPAPR default when a call first needs the table. The pre-scan on the main thread and
 * the workload on its vCPU thread read the same lines through one of these each, so they agree.
 */
export class TraceTableResolver {
  private readonly known = new Map<number, TraceTableGeometry>();
  /** LIOBNs named by new_table lines (tables without a default are left out unless created or used). */
  private readonly declared = new Set<number>();

  constructor(private readonly overrides: ReadonlyMap<number, TraceTableGeometry>) {
    for (const [liobn, g] of overrides) this.known.set(liobn, g);
  }

  /** A new_table line: the LIOBN has a table, its geometry still to come. */
  declare(liobn: number): void {
    this.declared.add(liobn);
  }

  /** A ddw_create line at `line`; throws a RangeError when it contradicts what the LIOBN already has. */
  created(e: TraceDdwCreate, line: number): void {
    if (this.overrides.has(e.liobn)) return;
    let g: TraceTableGeometry;
    try {
      g = geometryOf(e.liobn, e.pageSize, e.startAddr, e.requested, 'ddw_create', line);
    } catch (err) {
      throw new RangeError(`ddw_create of liobn ${hex(e.liobn)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const old = this.known.get(e.liobn);
    if (old === undefined) {
      this.known.set(e.liobn, g);
      return;
    }
    if (sameGeometry(old, g)) return;
    const how = old.source === 'ddw_create' ? `line ${old.line} created it with` : `line ${old.line} already used it with the sPAPR default of`;
    throw new RangeError(
      `ddw_create gives liobn ${hex(e.liobn)} ${describeGeometry(g)}, but ${how} ${describeGeometry(old)}; ` +
      `tcesim's tables keep one geometry for the whole run: choose one with --trace-table ${hex(e.liobn)}:PAGE:OFFSET:SIZE`,
    );
  }

  /** The geometry a call on `liobn` at `line` runs against; throws a RangeError when the trace never gives one. */
  geometry(liobn: number, line: number): TraceTableGeometry {
    const g = this.known.get(liobn);
    if (g !== undefined) return g;
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

  /** Every table the machine needs, in LIOBN order: each one known, and each declared one that has a default. */
  tables(): TraceTableGeometry[] {
    for (const liobn of this.declared) {
      if (!this.known.has(liobn)) {
        const d = defaultGeometry(liobn, 0);
        if (d !== null) this.known.set(liobn, d);
      }
    }
    return [...this.known.values()].sort((a, b) => a.liobn - b.liobn);
  }
}
