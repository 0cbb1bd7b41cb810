import { F_IOBA_HI, F_IOBA_LO, F_OUT_HI, F_OUT_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { qemuEntryIndex } from '../papr/rules.js';
import type { SpaprIommu } from './spapr-iommu.js';

/** Userspace H_GET_TCE (QEMU h_get_tce): masked ioba, index checked, the entry in r4. */
export function userspaceHGetTce(q: SpaprIommu, f: Int32Array): number {
  f[F_OUT_LO] = 0;
  f[F_OUT_HI] = 0;
  const slot = q.findTable(f);
  if (slot < 0) return H_PARAMETER;
  const t = q.tables;
  const index = qemuEntryIndex(t.pageShift(slot), t.busOffsetHi(slot), t.busOffsetLo(slot), t.entries(slot), u32(f, F_IOBA_HI), u32(f, F_IOBA_LO));
  if (index < 0) return H_PARAMETER;
  q.lock(slot);
  q.touch(slot, index);
  f[F_OUT_LO] = t.entryLo(slot, index);
  f[F_OUT_HI] = t.entryHi(slot, index);
  q.unlock(slot);
  return H_SUCCESS;
}
