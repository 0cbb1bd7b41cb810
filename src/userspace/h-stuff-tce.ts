import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { qemuEntryIndex } from '../papr/rules.js';
import { toBig, toBoundedNumber } from '../papr/u64.js';
import type { SpaprIommu } from './spapr-iommu.js';
import { tracedIoba } from './trace-observer.js';

/**
 * Userspace H_STUFF_TCE (QEMU h_stuff_tce): npages above the table size is H_PARAMETER; then
 * entry by entry, any value (it can map), stopping at the first entry past the window with the
 * earlier ones kept. npages == 0 is H_PARAMETER: the answer starts as H_PARAMETER and only a
 * stored entry changes it. Traced after the loop (not when refused before it), with the ioba
 * the loop stopped at.
 */
export function userspaceHStuffTce(q: SpaprIommu, f: Int32Array): number {
  const slot = q.findTable(f);
  if (slot < 0) {
    // A disabled window has 0 entries: any npages is too many, and npages 0 loops zero times and is traced.
    if (q.disabledWindow(f) && u32(f, F_NPAGES_HI) === 0 && u32(f, F_NPAGES_LO) === 0) {
      q.trace?.stuff(u32(f, F_LIOBN_LO), toBig(u32(f, F_IOBA_HI), u32(f, F_IOBA_LO)), toBig(u32(f, F_ARG_HI), u32(f, F_ARG_LO)), 0, H_PARAMETER);
    }
    return H_PARAMETER;
  }
  const t = q.tables;
  const entries = t.entries(slot);
  const npages = toBoundedNumber(u32(f, F_NPAGES_HI), u32(f, F_NPAGES_LO));
  if (npages > entries) return H_PARAMETER;
  const first = qemuEntryIndex(t.pageShift(slot), t.busOffsetHi(slot), t.busOffsetLo(slot), entries, u32(f, F_IOBA_HI), u32(f, F_IOBA_LO));
  const hi = u32(f, F_ARG_HI);
  const lo = u32(f, F_ARG_LO);
  let ret = H_PARAMETER;
  let i = 0;
  q.lock(slot);
  for (; i < npages; i++) {
    if (first < 0 || first + i >= entries) { ret = H_PARAMETER; break; }
    q.store(slot, first + i, hi, lo);
    ret = H_SUCCESS;
  }
  q.unlock(slot);
  const tr = q.trace;
  if (tr !== null) tr.stuff(t.liobn(slot), tracedIoba(t.pageShift(slot), u32(f, F_IOBA_HI), u32(f, F_IOBA_LO), i), toBig(hi, lo), npages, ret);
  return ret;
}
