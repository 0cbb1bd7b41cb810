import { F_IOBA_HI, F_IOBA_LO, F_OUT_HI, F_OUT_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { qemuEntryIndex } from '../papr/rules.js';
import { toBig } from '../papr/u64.js';
import type { SpaprIommu } from './spapr-iommu.js';
import { tracedIoba } from './trace-observer.js';

/**
 * Userspace H_GET_TCE (QEMU h_get_tce): masked ioba, index checked, the entry in r4 (0 on
 * failure). Traced once a table is found, with the masked ioba.
 */
export function userspaceHGetTce(q: SpaprIommu, f: Int32Array): number {
  f[F_OUT_LO] = 0;
  f[F_OUT_HI] = 0;
  const slot = q.findTable(f);
  if (slot < 0) return H_PARAMETER;
  const t = q.tables;
  const index = qemuEntryIndex(t.pageShift(slot), t.busOffsetHi(slot), t.busOffsetLo(slot), t.entries(slot), u32(f, F_IOBA_HI), u32(f, F_IOBA_LO));
  let ret = H_PARAMETER;
  if (index >= 0) {
    q.lock(slot);
    q.touch(slot, index);
    f[F_OUT_LO] = t.entryLo(slot, index);
    f[F_OUT_HI] = t.entryHi(slot, index);
    q.unlock(slot);
    ret = H_SUCCESS;
  }
  const tr = q.trace;
  if (tr !== null) {
    tr.get(t.liobn(slot), tracedIoba(t.pageShift(slot), u32(f, F_IOBA_HI), u32(f, F_IOBA_LO)), ret, toBig(u32(f, F_OUT_HI), u32(f, F_OUT_LO)));
  }
  return ret;
}
