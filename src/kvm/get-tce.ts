/**
 * H_GET_TCE in KVM (kvmppc_h_get_tce): the same in both modes. An entry whose backing page
 * was never allocated reads as 0.
 * Runs in: real mode and virtual mode; allocation-free.
 */
import { F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_OUT_HI, F_OUT_LO, u32 } from '../papr/frame.js';
import { REASON_NO_TABLE } from '../papr/reasons.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { kvmIobaIndex } from '../papr/rules.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { KvmAbilities } from './abilities.js';
import { lockTable, unlockTable } from './common.js';
import { punt } from './punt.js';

export function kvmGetTce(ab: KvmAbilities, t: TceTables, f: Int32Array): number {
  const slot = t.findKernelTable(f[F_LIOBN_HI] as number, f[F_LIOBN_LO] as number);
  if (slot < 0) return punt(f, REASON_NO_TABLE);
  const iobaHi = u32(f, F_IOBA_HI);
  const iobaLo = u32(f, F_IOBA_LO);
  const shift = t.pageShift(slot);
  const offset = t.offsetPages(slot);
  const index = kvmIobaIndex(shift, offset, t.entries(slot), t.rangeFirstPage, iobaHi, iobaLo, 0, 1);
  if (index < 0) {
    // KVM sets r4 only on success: the guest reads back the LIOBN it passed.
    f[F_OUT_LO] = f[F_LIOBN_LO] as number;
    f[F_OUT_HI] = f[F_LIOBN_HI] as number;
    return H_PARAMETER;
  }
  const locked = lockTable(ab, t, f, slot, 0);
  if (locked !== H_SUCCESS) return locked;
  if (t.pageAllocated(slot, t.pageOf(index))) {
    f[F_OUT_LO] = t.entryLo(slot, index);
    f[F_OUT_HI] = t.entryHi(slot, index);
  } else {
    f[F_OUT_LO] = 0;
    f[F_OUT_HI] = 0;
  }
  unlockTable(t, f, slot);
  return H_SUCCESS;
}
