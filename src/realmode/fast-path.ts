/**
 * Real mode's fast path: the checks of the common H_PUT_TCE and H_GET_TCE, done with plain loads
 * of 32-bit halves and no calls out. The common case is a kernel table found at once, an ioba
 * below 4 GiB inside the window, no hardware table attached, the backing page there and (PUT)
 * a TCE that real mode accepts. Such a call can only succeed, so the handlers finish it here;
 * anything else — every error and every H_TOO_HARD — goes to the full handler, which starts
 * again from the frame's untouched inputs. Same rules, fewer steps: the property tests run
 * random calls through both.
 * Runs in: real mode. Allocation-free.
 */
import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO } from '../papr/frame.js';
import { TCE_PERM_MASK } from '../papr/tce.js';
import {
  S_DATA, S_ENTRIES, S_GEN, S_HW0, S_LOCK, S_OFFSET_PAGES_F64_WORD, S_PAGES, S_PAGE_SHIFT, S_STATE, STATE_LIVE, slotBase,
} from '../shared-memory/layout.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/** Not a fast-path call: run the full handler. */
export const FAST_MISS = -1;

/**
 * Copy the geometry of the kernel table `liobn` into t.fast, or false (no such table, pages
 * too large for the fast path, or the table changed while it was read).
 */
function refreshFastTable(t: TceTables, liobn: number): boolean {
  const slot = t.findKernelTable(0, liobn);
  if (slot < 0) return false;
  const c = t.control;
  const b = slotBase(slot);
  const gen = Atomics.load(c, b + S_GEN);
  if (Atomics.load(c, b + S_STATE) !== STATE_LIVE) return false;
  const shift = c[b + S_PAGE_SHIFT] as number;
  if (shift > 31) return false;
  const ft = t.fast;
  ft.slot = slot;
  ft.base = b;
  ft.shift = shift;
  ft.mask = (1 << shift) - 1;
  ft.entries = (c[b + S_ENTRIES] as number) >>> 0;
  const offset = t.controlF64[(b + S_OFFSET_PAGES_F64_WORD) >> 1] as number;
  // A small integer while it fits (the usual window at bus address 0): V8 keeps it unboxed.
  ft.offset = offset < 0x40000000 ? offset | 0 : offset;
  ft.data = c[b + S_DATA] as number;
  ft.pages = c[b + S_PAGES] as number;
  ft.lock = b + S_LOCK;
  ft.hw = c[b + S_HW0] !== 0;
  ft.liobn = liobn;
  // Created or removed meanwhile: not copied.
  ft.gen = Atomics.load(c, b + S_GEN) === gen ? gen : -1;
  return ft.gen === gen;
}

/**
 * Whether t.fast holds the geometry of the kernel table of (32-bit) LIOBN `liobn`: the copy made
 * last is still valid (same LIOBN, generation unchanged), or a fresh copy could be made.
 */
function fastTable(t: TceTables, liobn: number): boolean {
  const ft = t.fast;
  return (liobn === ft.liobn && t.control[ft.base + S_GEN] === ft.gen) || refreshFastTable(t, liobn);
}

/**
 * The entry index a fast-path call addresses (its table in `t.fast`), or FAST_MISS.
 * Checks what H_PUT_TCE and H_GET_TCE share: 32-bit LIOBN and ioba, npages 0, the table, the
 * ioba inside its window, the backing page.
 */
function fastEntry(t: TceTables, f: Int32Array): number {
  // npages 0, so that a one-record CALL log entry says everything the frame held.
  if (((f[F_LIOBN_HI] as number) | (f[F_IOBA_HI] as number) | (f[F_NPAGES_LO] as number) | (f[F_NPAGES_HI] as number)) !== 0) return FAST_MISS;
  const ft = t.fast;
  if (!fastTable(t, f[F_LIOBN_LO] as number)) return FAST_MISS;
  const iobaLo = (f[F_IOBA_LO] as number) >>> 0;
  if ((iobaLo & ft.mask) !== 0) return FAST_MISS;
  // Checked as a double (the window may start past 2^32 pages), then a small integer.
  const rel = (iobaLo >>> ft.shift) - ft.offset;
  if (rel < 0 || rel >= ft.entries) return FAST_MISS;
  const index = rel | 0;
  if (t.pages[ft.pages + (index >>> t.entriesPerPageShift)] === 0) return FAST_MISS;
  return index;
}

/**
 * The first entry a multi-entry fast-path call (H_STUFF_TCE, H_PUT_TCE_INDIRECT) addresses, its
 * table in `t.fast`, or FAST_MISS. Checks a 32-bit LIOBN, ioba and npages, the table, the ioba
 * inside its window and all `npages` entries inside it too (what the kernel's full range check
 * asks; a call the first-page-only check would let run past the window goes the full way).
 */
export function fastRangeIndex(t: TceTables, f: Int32Array): number {
  if (((f[F_LIOBN_HI] as number) | (f[F_IOBA_HI] as number) | (f[F_NPAGES_HI] as number)) !== 0) return FAST_MISS;
  if (!fastTable(t, f[F_LIOBN_LO] as number)) return FAST_MISS;
  const ft = t.fast;
  const iobaLo = (f[F_IOBA_LO] as number) >>> 0;
  if ((iobaLo & ft.mask) !== 0) return FAST_MISS;
  const rel = (iobaLo >>> ft.shift) - ft.offset;
  if (rel < 0 || rel + ((f[F_NPAGES_LO] as number) >>> 0) > ft.entries || rel >= ft.entries) return FAST_MISS;
  return rel | 0;
}

/**
 * H_PUT_TCE: the entry it writes, or FAST_MISS. Also requires no attached hardware table, and a
 * TCE that is a clear or a page-aligned address in guest RAM.
 */
export function fastPutEntry(t: TceTables, f: Int32Array): number {
  const index = fastEntry(t, f);
  if (index < 0) return FAST_MISS;
  const ft = t.fast;
  if (ft.hw) return FAST_MISS;
  const lo = f[F_ARG_LO] as number;
  if ((lo & TCE_PERM_MASK) !== 0) {
    const gpaLo = (lo & ~TCE_PERM_MASK) >>> 0;
    if ((gpaLo & ft.mask) !== 0) return FAST_MISS;
    const hi = f[F_ARG_HI] as number;
    if (hi === 0 ? gpaLo >= t.ram.slotBytes : !t.ram.contains(hi >>> 0, gpaLo)) return FAST_MISS;
  }
  return index;
}

/** H_GET_TCE: the entry it reads, or FAST_MISS. */
export function fastGetEntry(t: TceTables, f: Int32Array): number {
  return fastEntry(t, f);
}

/** Arena word of entry `index` of the fast path's table (its low half; the high half follows). */
export function fastEntryWord(t: TceTables, index: number): number {
  return (t.fast.data + index) * 2;
}
