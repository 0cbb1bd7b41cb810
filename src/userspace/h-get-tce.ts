import { F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_OUT_HI, F_OUT_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { qemuEntryIndex } from '../papr/rules.js';
import { toBig } from '../papr/u64.js';
import type { SpaprIommu } from './spapr-iommu.js';
import { tracedIoba } from './trace-observer.js';

/**
 * Userspace H_GET_TCE (QEMU h_get_tce): masked ioba, index checked, the entry in r4. On failure
 * QEMU leaves r4 alone, so the guest reads back the LIOBN it passed there. Traced with the
 * masked ioba and the entry (0 on failure); on a LIOBN without a table (see userspaceHPutTce)
 * with the LIOBN and ioba as passed.
 */
export function userspaceHGetTce(q: SpaprIommu, f: Int32Array): number {
  f[F_OUT_LO] = f[F_LIOBN_LO] as number;
  f[F_OUT_HI] = f[F_LIOBN_HI] as number;
  const slot = q.findTable(f);
  if (slot < 0) {
    q.trace?.getNoTable(toBig(u32(f, F_LIOBN_HI), u32(f, F_LIOBN_LO)), toBig(u32(f, F_IOBA_HI), u32(f, F_IOBA_LO)), H_PARAMETER, 0n);
    return H_PARAMETER;
  }
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
    const tce = ret === H_SUCCESS ? toBig(u32(f, F_OUT_HI), u32(f, F_OUT_LO)) : 0n;
    tr.get(t.liobn(slot), tracedIoba(t.pageShift(slot), u32(f, F_IOBA_HI), u32(f, F_IOBA_LO)), ret, tce);
  }
  return ret;
}
