import type { EventWriter } from '../events/writer.js';
import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmTceFill } from '../kvm/common.js';
import { kvmStuffTce } from '../kvm/stuff-tce.js';
import { F_ARG_HI, F_ARG_LO, F_NPAGES_LO } from '../papr/frame.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import { TIER_REALMODE } from '../papr/tiers.js';
import { unlock } from '../shared-memory/lock.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import { entryDigest } from '../shared-memory/write-log.js';
import { FAST_MISS, fastRangeIndex } from './fast-path.js';

/**
 * Real mode H_STUFF_TCE (kvmppc_rm_h_stuff_tce): the KVM rules with real mode's abilities:
 * no allocation, no sleep; whatever it cannot do is H_TOO_HARD with a reason in the frame.
 * The common case — Linux clearing a range of a table with no hardware table attached —
 * takes the fast path below; anything else goes to the full handler.
 */
export function realmodeHStuffTce(t: TceTables, f: Int32Array): number {
  if (fastClear(t, f)) return H_SUCCESS;
  return kvmStuffTce(REALMODE_ABILITIES, t, f);
}

/**
 * The first entry of a fast-path clear, or FAST_MISS: an H_STUFF_TCE of 0 over entries inside
 * the window of a kernel table (in `t.fast`) with no hardware table. Such a call can only
 * succeed (the caller still needs the table lock and room in the log).
 */
function clearIndex(t: TceTables, f: Int32Array): number {
  if (((f[F_ARG_HI] as number) | (f[F_ARG_LO] as number)) !== 0 || !t.inKernelMultiTce) return FAST_MISS;
  const index = fastRangeIndex(t, f);
  return index === FAST_MISS || t.fast.hw ? FAST_MISS : index;
}

/**
 * A fast-path clear on a thread whose log takes runs of writes (or with no log): done here
 * with the full handler's writes, log records and reservation (one record per backing page
 * present at most), and true is returned. False: nothing was done (a held lock, a full log,
 * any other call); the full handler starts again from the frame's inputs. Allocation-free.
 */
export function fastClear(t: TceTables, f: Int32Array): boolean {
  const log = t.writeLog;
  if (log !== null && !log.coalesces) return false;
  const index = clearIndex(t, f);
  if (index === FAST_MISS) return false;
  const ft = t.fast;
  const end = index + ((f[F_NPAGES_LO] as number) >>> 0);
  const c = t.control;
  if (Atomics.compareExchange(c, ft.lock, 0, 1) !== 0) return false;
  // Backing pages present under [index, end): a clear skips the missing ones.
  let present = 0;
  if (end > index) {
    const last = ft.pages + ((end - 1) >>> t.entriesPerPageShift);
    for (let p = ft.pages + (index >>> t.entriesPerPageShift); p <= last; p++) if (t.pages[p] !== 0) present++;
  }
  if (log !== null && !log.reserveWrites(present)) {
    unlock(c, ft.lock);
    return false;
  }
  if (present !== 0) kvmTceFill(REALMODE_ABILITIES, t, ft.slot, index, end, 0, 0);
  log?.releaseWrites();
  unlock(c, ft.lock);
  return true;
}

/**
 * A fast-path clear on a vCPU that logs its calls (`w`, its tables' log), in one reservation
 * made under the table lock: the call's ENTER record, one WRITE or FILL record per run of
 * present backing pages, and its COMPLETE record. The full way reserves them one after the
 * other; the records and their order are the same (a test compares them word for word).
 * True: answered H_SUCCESS; ENTER and the write records are published and the COMPLETE
 * record's slot is reserved at w.callLast (its cost is the caller's to reckon). False:
 * nothing was done or logged; the caller runs the call the full way. Allocation-free.
 */
export function realmodeHStuffTceLogged(t: TceTables, w: EventWriter, f: Int32Array, clockNs: number): boolean {
  if (t.writeLog !== w || !w.coalesces) return false;
  const index = clearIndex(t, f);
  if (index === FAST_MISS) return false;
  const ft = t.fast;
  const end = index + ((f[F_NPAGES_LO] as number) >>> 0);
  const c = t.control;
  if (Atomics.compareExchange(c, ft.lock, 0, 1) !== 0) return false;
  // Runs of writes: consecutive present pages make one (their entries follow on, all 0).
  const pages = t.pages;
  const shift = t.entriesPerPageShift;
  let runs = 0;
  if (end > index) {
    let before = false;
    const last = ft.pages + ((end - 1) >>> shift);
    for (let p = ft.pages + (index >>> shift); p <= last; p++) {
      const present = pages[p] !== 0;
      if (present && !before) runs++;
      before = present;
    }
  }
  if (!w.reserveCallRecords(runs + 2)) {
    unlock(c, ft.lock);
    return false;
  }
  const at = w.callFirst;
  w.fillEnter(at, f, 0, TIER_REALMODE, clockNs);
  if (runs !== 0) clearRuns(t, w, (at + 1) | 0, index, end);
  unlock(c, ft.lock);
  return true;
}

/**
 * Clear the entries of [index, end) whose backing page is present, logging each run of them
 * from ring position `at` on: a WRITE record for a run of one entry (its old value), else a
 * FILL record (how many changed, the digest of their old values).
 */
function clearRuns(t: TceTables, w: EventWriter, at: number, index: number, end: number): void {
  const ft = t.fast;
  const data = t.data;
  const per = t.entriesPerPage;
  let q = at;
  for (let i = index; i < end;) {
    // The run: from i over the following present pages.
    let stop = i;
    while (stop < end && t.pages[ft.pages + Math.floor(stop / per)] !== 0) stop = Math.min(end, (Math.floor(stop / per) + 1) * per);
    if (stop === i) {
      i = Math.min(end, (Math.floor(i / per) + 1) * per);
      continue;
    }
    let changed = 0;
    let digest = 0;
    let oldLo = 0;
    let oldHi = 0;
    for (let k = i, x = (ft.data + i) * 2; k < stop; k++, x += 2) {
      oldLo = data[x] as number;
      oldHi = data[x + 1] as number;
      if ((oldLo | oldHi) !== 0) {
        changed++;
        digest = (digest + entryDigest(k, oldLo, oldHi)) | 0;
        data[x] = 0;
        data[x + 1] = 0;
      }
    }
    t.statWrites += stop - i;
    if (stop - i === 1) w.fillWrite(q, false, ft.liobn, i, oldLo, oldHi, 0, 0);
    else w.fillRun(q, false, ft.liobn, i, stop - i, 0, 0, 0, 0, changed, digest);
    q = (q + 1) | 0;
    i = stop;
  }
}
