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
  S_DATA, S_ENTRIES, S_FLAGS, S_HW0, S_LIOBN, S_OFFSET_PAGES_F64_WORD, S_PAGES, S_PAGE_SHIFT, S_STATE, SLOT_IN_KERNEL, STATE_LIVE, slotBase,
} from '../shared-memory/layout.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/** Not a fast-path call: run the full handler. */
export const FAST_MISS = -1;

/**
 * The entry index a fast-path call addresses (its table's slot in `t.fastSlot`), or FAST_MISS.
 * Checks what H_PUT_TCE and H_GET_TCE share: the table, the ioba, the backing page.
 */
function fastEntry(t: TceTables, f: Int32Array): number {
  if (f[F_LIOBN_HI] !== 0 || f[F_IOBA_HI] !== 0) return FAST_MISS;
  const c = t.control;
  const liobn = f[F_LIOBN_LO] as number;
  // The table of the last fast-path call, checked again in full (tables come and go).
  let slot = t.fastSlot;
  let b = slotBase(slot);
  if (c[b + S_LIOBN] !== liobn || c[b + S_STATE] !== STATE_LIVE || ((c[b + S_FLAGS] as number) & SLOT_IN_KERNEL) === 0) {
    slot = t.findKernelTable(0, liobn);
    if (slot < 0) return FAST_MISS;
    b = slotBase(slot);
  }
  const shift = c[b + S_PAGE_SHIFT] as number;
  if (shift > 31) return FAST_MISS;
  const iobaLo = (f[F_IOBA_LO] as number) >>> 0;
  if ((iobaLo & ((1 << shift) - 1)) !== 0) return FAST_MISS;
  // Checked as a double (the window may start past 2^32 pages), then a small integer.
  const rel = (iobaLo >>> shift) - (t.controlF64[(b + S_OFFSET_PAGES_F64_WORD) >> 1] as number);
  if (rel < 0 || rel >= (c[b + S_ENTRIES] as number) >>> 0) return FAST_MISS;
  const index = rel | 0;
  if (t.pages[(c[b + S_PAGES] as number) + (index >>> t.entriesPerPageShift)] === 0) return FAST_MISS;
  t.fastSlot = slot;
  return index;
}

/**
 * H_PUT_TCE: the entry it writes, or FAST_MISS. Also requires npages 0 (so that a one-record
 * CALL log entry says everything the frame held), no attached hardware table, and a TCE that
 * is a clear or a page-aligned address in guest RAM.
 */
export function fastPutEntry(t: TceTables, f: Int32Array): number {
  if (f[F_NPAGES_LO] !== 0 || f[F_NPAGES_HI] !== 0) return FAST_MISS;
  const index = fastEntry(t, f);
  if (index < 0) return FAST_MISS;
  const c = t.control;
  const b = slotBase(t.fastSlot);
  if (c[b + S_HW0] !== 0) return FAST_MISS;
  const lo = f[F_ARG_LO] as number;
  if ((lo & TCE_PERM_MASK) !== 0) {
    const gpaLo = (lo & ~TCE_PERM_MASK) >>> 0;
    if ((gpaLo & ((1 << (c[b + S_PAGE_SHIFT] as number)) - 1)) !== 0) return FAST_MISS;
    if (!t.ram.contains((f[F_ARG_HI] as number) >>> 0, gpaLo)) return FAST_MISS;
  }
  return index;
}

/** H_GET_TCE: the entry it reads, or FAST_MISS. Also requires npages 0. */
export function fastGetEntry(t: TceTables, f: Int32Array): number {
  if (f[F_NPAGES_LO] !== 0 || f[F_NPAGES_HI] !== 0) return FAST_MISS;
  return fastEntry(t, f);
}

/** Arena word of entry `index` of the table in slot `slot` (its low half; the high half follows). */
export function entryWord(t: TceTables, slot: number, index: number): number {
  return ((t.control[slotBase(slot) + S_DATA] as number) + index) * 2;
}
