/**
 * Pieces every KVM hcall flow shares. Runs in: real mode and virtual mode; allocation-free.
 */
import { F_LOCKED } from '../shared-memory/frame-slots.js';
import { REASON_LOCK_CONTENDED, REASON_LOG_FULL, REASON_MISALIGNED_TCE, REASON_OUTSIDE_RAM } from '../papr/reasons.js';
import { H_PARAMETER, H_SUCCESS, H_TOO_HARD } from '../papr/return-codes.js';
import { tceAddressAligned, tceGpaLo, tceHasPermission } from '../papr/rules.js';
import { sleepLock, spinTryLock, unlock } from '../shared-memory/lock.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { KvmAbilities } from './abilities.js';
import { kvmHwValidate } from './hardware.js';
import { punt } from './punt.js';


/**
 * Take a table's lock the way the tier may (sleeping, or a bounded spin that can fail), then
 * reserve event-log room for up to `writes` table writes, so that no write is made that the
 * log cannot hold. H_SUCCESS with the lock held, or H_TOO_HARD (lock-contended, log-full)
 * without it. The frame remembers the held lock, so a crashed worker's lock can be recovered.
 */
export function lockTable(ab: KvmAbilities, t: TceTables, f: Int32Array, slot: number, writes: number): number {
  if (ab.maySleep) sleepLock(t.control, t.lockIndex(slot));
  else if (!spinTryLock(t.control, t.lockIndex(slot), t.spinBudget)) return punt(f, REASON_LOCK_CONTENDED);
  if (!t.reserveWrites(writes)) {
    unlock(t.control, t.lockIndex(slot));
    return punt(f, REASON_LOG_FULL);
  }
  f[F_LOCKED] = slot + 1;
  return H_SUCCESS;
}

/**
 * With the lock held (taken with no reservation): reserve room for `writes` table writes
 * counted under the lock. H_SUCCESS, or H_TOO_HARD (log-full) with the lock released.
 */
export function reserveLocked(t: TceTables, f: Int32Array, slot: number, writes: number): number {
  if (t.reserveWrites(writes)) return H_SUCCESS;
  unlockTable(t, f, slot);
  return punt(f, REASON_LOG_FULL);
}

/** Give back unused log room, then the lock. */
export function unlockTable(t: TceTables, f: Int32Array, slot: number): void {
  t.releaseWrites();
  f[F_LOCKED] = 0;
  unlock(t.control, t.lockIndex(slot));
}

/**
 * kvmppc_tce_validate / kvmppc_rm_tce_validate: a TCE without permission bits is accepted as
 * it is (a clear, or a poison value); a mapping TCE needs a page-aligned address in guest RAM.
 */
export function kvmTceValidate(ab: KvmAbilities, t: TceTables, slot: number, f: Int32Array, hi: number, lo: number): number {
  if (!tceHasPermission(lo)) return H_SUCCESS;
  if (!tceAddressAligned(hi, lo, t.pageShift(slot))) {
    return ab.misalignedTceAnswer === H_TOO_HARD ? punt(f, REASON_MISALIGNED_TCE) : H_PARAMETER;
  }
  const gpaLo = tceGpaLo(lo);
  if (!t.ram.contains(hi, gpaLo)) return punt(f, REASON_OUTSIDE_RAM);
  return kvmHwValidate(t, slot, f, hi * 4294967296 + gpaLo);
}

/**
 * kvmppc_tce_put / kvmppc_rm_tce_put: write one guest-view entry. A zero into a missing
 * backing page is skipped; a non-zero value allocates the page (only a tier that may allocate
 * gets here with a missing page). Callers pass only indexes inside the window: the entries
 * past it that the first-page-only range check lets through would land outside the kernel's
 * table, and the flows drop them.
 */
export function kvmTcePut(ab: KvmAbilities, t: TceTables, slot: number, index: number, hi: number, lo: number): void {
  const page = t.pageOf(index);
  if (!t.pageAllocated(slot, page)) {
    if ((hi === 0 && lo === 0) || !ab.mayAllocate) return;
    t.allocatePage(slot, page);
  }
  t.writeEntry(slot, index, hi, lo);
}
