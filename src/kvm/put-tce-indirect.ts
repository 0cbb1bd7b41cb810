/**
 * H_PUT_TCE_INDIRECT in KVM (kvmppc_h_put_tce_indirect, kvmppc_rm_h_put_tce_indirect):
 * table lookup, list limits, ioba and range, backing pages, the list page, then every entry is
 * validated before any is written. While writing, an entry whose address is outside guest RAM
 * is H_PARAMETER (the kernel translates every entry, mapping or not); earlier entries stay.
 * Runs in: real mode and virtual mode; allocation-free.
 */
import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, u32 } from '../papr/frame.js';
import {
  REASON_HCALL_DISABLED, REASON_LIST_FAULT, REASON_LIST_OUTSIDE_RAM, REASON_LIST_UNREACHABLE,
  REASON_NO_TABLE, REASON_PAGE_NOT_ALLOCATED,
} from '../papr/reasons.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { indirectListCheck, kvmIobaIndex, tceGpaLo } from '../papr/rules.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { KvmAbilities } from './abilities.js';
import { kvmHwUpdate, kvmHwWritable } from './hardware.js';
import { kvmTcePut, kvmTceValidate, lockTable, unlockTable } from './common.js';
import { punt } from './punt.js';

export function kvmPutTceIndirect(ab: KvmAbilities, t: TceTables, f: Int32Array): number {
  // A disabled hcall never reaches the kernel handler (KVM_CAP_PPC_ENABLE_HCALL).
  if (!t.inKernelMultiTce) return punt(f, REASON_HCALL_DISABLED);
  const slot = t.findKernelTable(f[F_LIOBN_HI] as number, f[F_LIOBN_LO] as number);
  if (slot < 0) return punt(f, REASON_NO_TABLE);
  const npagesHi = u32(f, F_NPAGES_HI);
  const npages = u32(f, F_NPAGES_LO);
  const listHi = u32(f, F_ARG_HI);
  const listLo = u32(f, F_ARG_LO);
  if (indirectListCheck(npagesHi, npages, listLo) !== H_SUCCESS) return H_PARAMETER;
  const iobaHi = u32(f, F_IOBA_HI);
  const iobaLo = u32(f, F_IOBA_LO);
  const shift = t.pageShift(slot);
  const offset = t.offsetPages(slot);
  const index = kvmIobaIndex(shift, offset, t.entries(slot), t.rangeFirstPage, iobaHi, iobaLo, 0, npages);
  if (index < 0) return H_PARAMETER;
  const locked = lockTable(ab, t, f, slot, npages * t.writesPerEntry(slot) + t.writesOnHwFailure(slot));
  if (locked !== H_SUCCESS) return locked;
  const ret = indirectLocked(ab, t, f, slot, index, npages, listHi, listLo);
  unlockTable(t, f, slot);
  return ret;
}

function indirectLocked(
  ab: KvmAbilities, t: TceTables, f: Int32Array, slot: number, index: number, npages: number, listHi: number, listLo: number,
): number {
  if (!ab.mayAllocate && !t.pagesAllocated(slot, index, npages)) return punt(f, REASON_PAGE_NOT_ALLOCATED);
  const ram = t.ram;
  if (!ram.contains(listHi, listLo)) return punt(f, REASON_LIST_OUTSIDE_RAM);
  const list = listHi * 4294967296 + listLo;
  // A list in preregistered memory has its host address at hand; otherwise real mode walks the
  // host page table and must find a present, base-size, recently accessed page.
  const preregistered = t.hw.anyRegion() && t.hw.regionFor(t.hw.uaBase + list, 4096) >= 0;
  if (ab.needsListReachable && !preregistered && !ram.reachableInRealMode(list)) return punt(f, REASON_LIST_UNREACHABLE);
  if (!ram.containsRange(list, npages * 8)) return punt(f, REASON_LIST_FAULT);
  // Pass 1: validate every entry before writing any.
  for (let i = 0; i < npages; i++) {
    const valid = kvmTceValidate(ab, t, slot, f, ram.readBeHi(list + i * 8), ram.readBeLo(list + i * 8));
    if (valid !== H_SUCCESS) return valid;
  }
  const writable = kvmHwWritable(t, slot, f);
  if (writable !== H_SUCCESS) return writable;
  // Pass 2: re-read (the guest may have changed the list), translate, write.
  const entries = t.entries(slot);
  for (let i = 0; i < npages; i++) {
    const hi = ram.readBeHi(list + i * 8);
    const lo = ram.readBeLo(list + i * 8);
    if (!ram.contains(hi, tceGpaLo(lo))) return H_PARAMETER;
    if (index + i >= entries) continue; // past the window (first-page-only check): dropped
    const hw = kvmHwUpdate(ab, t, f, slot, index + i, hi, lo);
    if (hw !== H_SUCCESS) return hw;
    kvmTcePut(ab, t, slot, index + i, hi, lo);
  }
  return H_SUCCESS;
}
