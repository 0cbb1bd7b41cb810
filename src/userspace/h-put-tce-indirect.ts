import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { indirectListCheck, qemuEntryIndex } from '../papr/rules.js';
import { toBig } from '../papr/u64.js';
import type { SpaprIommu } from './spapr-iommu.js';

/**
 * Userspace H_PUT_TCE_INDIRECT (QEMU h_put_tce_indirect): list limits as in the kernel, then
 * entry by entry: read the big-endian TCE from guest memory (0 outside RAM), store it verbatim,
 * stop at the first entry past the window with the earlier ones kept. npages == 0 is
 * H_PARAMETER. A disabled window (a removed DDW) has no entries, so its first entry fails.
 * Traced after the loop, not when refused before it: the caller's ioba, the index
 * of the last entry applied or of the one before the failing entry, and the last entry read.
 */
export function userspaceHPutTceIndirect(q: SpaprIommu, f: Int32Array): number {
  const slot = q.findTable(f);
  const disabled = slot < 0 && q.disabledWindow(f);
  if (slot < 0 && !disabled) return H_PARAMETER;
  const npages = u32(f, F_NPAGES_LO);
  const listHi = u32(f, F_ARG_HI);
  const listLo = u32(f, F_ARG_LO);
  if (indirectListCheck(u32(f, F_NPAGES_HI), npages, listLo) !== H_SUCCESS) return H_PARAMETER;
  if (disabled) return disabledWindowIndirect(q, f, npages, listHi, listLo);
  const t = q.tables;
  const entries = t.entries(slot);
  const first = qemuEntryIndex(t.pageShift(slot), t.busOffsetHi(slot), t.busOffsetLo(slot), entries, u32(f, F_IOBA_HI), u32(f, F_IOBA_LO));
  const list = listHi * 4294967296 + listLo;
  let ret = H_PARAMETER;
  let i = 0;
  let hi = 0;
  let lo = 0;
  q.lock(slot);
  for (; i < npages; i++) {
    const at = list + i * 8;
    const inRam = t.ram.containsRange(at, 8);
    hi = inRam ? t.ram.readBeHi(at) : 0;
    lo = inRam ? t.ram.readBeLo(at) : 0;
    if (first < 0 || first + i >= entries) { ret = H_PARAMETER; break; }
    q.store(slot, first + i, hi, lo);
    ret = H_SUCCESS;
  }
  q.unlock(slot);
  const tr = q.trace;
  if (tr !== null) {
    tr.indirect(t.liobn(slot), toBig(u32(f, F_IOBA_HI), u32(f, F_IOBA_LO)), toBig(listHi, listLo), i > 0 ? i - 1 : 0, toBig(hi, lo), ret);
  }
  return ret;
}

/** A disabled window has no entries: the first entry read fails (none when npages is 0), and QEMU traces it. */
function disabledWindowIndirect(q: SpaprIommu, f: Int32Array, npages: number, listHi: number, listLo: number): number {
  const tr = q.trace;
  if (tr === null) return H_PARAMETER;
  const at = listHi * 4294967296 + listLo;
  const ram = q.tables.ram;
  const tce = npages > 0 && ram.containsRange(at, 8) ? toBig(ram.readBeHi(at), ram.readBeLo(at)) : 0n;
  tr.indirect(u32(f, F_LIOBN_LO), toBig(u32(f, F_IOBA_HI), u32(f, F_IOBA_LO)), toBig(listHi, listLo), 0, tce, H_PARAMETER);
  return H_PARAMETER;
}
