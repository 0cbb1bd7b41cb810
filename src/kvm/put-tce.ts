/**
 * H_PUT_TCE in KVM (kvmppc_h_put_tce, kvmppc_rm_h_put_tce), in the kernel's order:
 * table lookup, ioba, backing page (unless a clear), TCE content, the attached hardware
 * tables, then the guest view.
 * Runs in: real mode and virtual mode; allocation-free.
 */
import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, u32 } from '../papr/frame.js';
import { REASON_NO_TABLE, REASON_PAGE_NOT_ALLOCATED } from '../papr/reasons.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { kvmIobaIndex } from '../papr/rules.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { KvmAbilities } from './abilities.js';
import { kvmHwUpdate, kvmHwWritable } from './hardware.js';
import { kvmTcePut, kvmTceValidate, lockTable, unlockTable } from './common.js';
import { punt } from './punt.js';

export function kvmPutTce(ab: KvmAbilities, t: TceTables, f: Int32Array): number {
  const slot = t.findKernelTable(f[F_LIOBN_HI] as number, f[F_LIOBN_LO] as number);
  if (slot < 0) return punt(f, REASON_NO_TABLE);
  const iobaHi = u32(f, F_IOBA_HI);
  const iobaLo = u32(f, F_IOBA_LO);
  const shift = t.pageShift(slot);
  const offset = t.offsetPages(slot);
  const index = kvmIobaIndex(shift, offset, t.entries(slot), t.rangeFirstPage, iobaHi, iobaLo, 0, 1);
  if (index < 0) return H_PARAMETER;
  const locked = lockTable(ab, t, f, slot, t.writesPerEntry(slot) + t.writesOnHwFailure(slot));
  if (locked !== H_SUCCESS) return locked;
  const ret = putLocked(ab, t, f, slot, index, u32(f, F_ARG_HI), u32(f, F_ARG_LO));
  unlockTable(t, f, slot);
  return ret;
}

function putLocked(ab: KvmAbilities, t: TceTables, f: Int32Array, slot: number, index: number, hi: number, lo: number): number {
  const clearing = hi === 0 && lo === 0;
  if (!ab.mayAllocate && !clearing && !t.pagesAllocated(slot, index, 1)) return punt(f, REASON_PAGE_NOT_ALLOCATED);
  const valid = kvmTceValidate(ab, t, slot, f, hi, lo);
  if (valid !== H_SUCCESS) return valid;
  const writable = kvmHwWritable(t, slot, f);
  if (writable !== H_SUCCESS) return writable;
  const hw = kvmHwUpdate(ab, t, f, slot, index, hi, lo);
  if (hw !== H_SUCCESS) return hw;
  kvmTcePut(ab, t, slot, index, hi, lo);
  return H_SUCCESS;
}
