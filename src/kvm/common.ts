/**
 * Pieces every KVM hcall flow shares. Runs in: real mode and virtual mode; allocation-free.
 */
import { F_LOCKED } from '../shared-memory/frame-slots.js';
import { REASON_LOCK_CONTENDED, REASON_LOG_FULL, REASON_MISALIGNED_TCE, REASON_OUTSIDE_RAM } from '../papr/reasons.js';
import { H_PARAMETER, H_SUCCESS, H_TOO_HARD } from '../papr/return-codes.js';
import { tceAddressAligned, tceGpaLo, tceHasPermission } from '../papr/rules.js';
import { S_DATA, S_LIOBN, slotBase } from '../shared-memory/layout.js';
import { sleepLock, spinTryLock, unlock } from '../shared-memory/lock.js';
import { entryDigest } from '../shared-memory/write-log.js';
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

/**
 * kvmTcePut for every entry of [index, end) with one value (H_STUFF_TCE's loop), by backing
 * page: a page that is missing stays so for a zero (or is left to a tier that may allocate),
 * exactly as kvmTcePut decides entry by entry. On a thread whose log takes runs of writes the
 * entries are stored in one tight loop and logged as one run per page; elsewhere each write is
 * logged as kvmTcePut logs it.
 */
export function kvmTceFill(ab: KvmAbilities, t: TceTables, slot: number, index: number, end: number, hi: number, lo: number): void {
  const log = t.writeLog;
  const per = t.entriesPerPage;
  for (let i = index; i < end;) {
    const page = t.pageOf(i);
    const pageEnd = (page + 1) * per;
    const stop = pageEnd < end ? pageEnd : end;
    if (!t.pageAllocated(slot, page)) {
      if ((hi === 0 && lo === 0) || !ab.mayAllocate) {
        i = stop;
        continue;
      }
      t.allocatePage(slot, page);
    }
    if (log === null || !log.coalesces || stop - i === 1) {
      for (let k = i; k < stop; k++) t.writeEntry(slot, k, hi, lo);
    } else {
      storeRun(t, slot, i, stop, hi, lo);
    }
    i = stop;
  }
}

/** Store hi:lo into entries [from, to) and log them as one run (the log coalesces). */
function storeRun(t: TceTables, slot: number, from: number, to: number, hi: number, lo: number): void {
  const data = t.data;
  const b = slotBase(slot);
  const hi32 = hi | 0;
  const lo32 = lo | 0;
  let changed = 0;
  let digest = 0;
  for (let i = from, w = ((t.control[b + S_DATA] as number) + from) * 2; i < to; i++, w += 2) {
    const oldLo = data[w] as number;
    const oldHi = data[w + 1] as number;
    if (oldLo !== lo32 || oldHi !== hi32) changed++;
    if ((oldLo | oldHi) !== 0) digest = (digest + entryDigest(i, oldLo, oldHi)) | 0;
    data[w] = lo32;
    data[w + 1] = hi32;
  }
  t.statWrites += to - from;
  (t.writeLog as NonNullable<TceTables['writeLog']>).recordFill(false, t.control[b + S_LIOBN] as number, from, to - from, hi, lo, changed, digest);
}
