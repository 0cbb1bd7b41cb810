import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { qemuEntryIndex } from '../papr/rules.js';
import type { SpaprIommu } from './spapr-iommu.js';

/**
 * Userspace H_PUT_TCE (QEMU h_put_tce): unknown LIOBN is H_PARAMETER, the ioba is masked down
 * to its page, an index past the window is H_PARAMETER, the TCE is stored verbatim.
 */
export function userspaceHPutTce(q: SpaprIommu, f: Int32Array): number {
  const slot = q.findTable(f);
  if (slot < 0) return H_PARAMETER;
  const t = q.tables;
  const index = qemuEntryIndex(t.pageShift(slot), t.busOffsetHi(slot), t.busOffsetLo(slot), t.entries(slot), u32(f, F_IOBA_HI), u32(f, F_IOBA_LO));
  if (index < 0) return H_PARAMETER;
  q.lock(slot);
  q.store(slot, index, u32(f, F_ARG_HI), u32(f, F_ARG_LO));
  q.unlock(slot);
  return H_SUCCESS;
}
