import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { qemuEntryIndex } from '../papr/rules.js';
import { toBig } from '../papr/u64.js';
import type { SpaprIommu } from './spapr-iommu.js';
import { tracedIoba } from './trace-observer.js';

/**
 * Userspace H_PUT_TCE (QEMU h_put_tce): unknown LIOBN is H_PARAMETER, the ioba is masked down
 * to its page, an index past the window is H_PARAMETER, the TCE is stored verbatim. Traced
 * with the masked ioba; on a LIOBN without a table (unknown, upper bits set, or a disabled
 * window, whose page mask is all ones) with the LIOBN and ioba as passed and ret H_PARAMETER.
 */
export function userspaceHPutTce(q: SpaprIommu, f: Int32Array): number {
  const slot = q.findTable(f);
  if (slot < 0) {
    q.trace?.putNoTable(toBig(u32(f, F_LIOBN_HI), u32(f, F_LIOBN_LO)), toBig(u32(f, F_IOBA_HI), u32(f, F_IOBA_LO)), toBig(u32(f, F_ARG_HI), u32(f, F_ARG_LO)), H_PARAMETER);
    return H_PARAMETER;
  }
  const t = q.tables;
  const index = qemuEntryIndex(t.pageShift(slot), t.busOffsetHi(slot), t.busOffsetLo(slot), t.entries(slot), u32(f, F_IOBA_HI), u32(f, F_IOBA_LO));
  let ret = H_PARAMETER;
  if (index >= 0) {
    q.lock(slot);
    q.store(slot, index, u32(f, F_ARG_HI), u32(f, F_ARG_LO));
    q.unlock(slot);
    ret = H_SUCCESS;
  }
  const tr = q.trace;
  if (tr !== null) {
    tr.put(t.liobn(slot), tracedIoba(t.pageShift(slot), u32(f, F_IOBA_HI), u32(f, F_IOBA_LO)), toBig(u32(f, F_ARG_HI), u32(f, F_ARG_LO)), ret);
  }
  return ret;
}
