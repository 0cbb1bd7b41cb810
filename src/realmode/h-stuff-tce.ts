import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmTceFill } from '../kvm/common.js';
import { kvmStuffTce } from '../kvm/stuff-tce.js';
import { F_ARG_HI, F_ARG_LO, F_NPAGES_LO } from '../papr/frame.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import { unlock } from '../shared-memory/lock.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
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
 * An H_STUFF_TCE of 0 over entries inside the window of a kernel table (in `t.fast`) with no
 * hardware table, on a thread whose log takes runs of writes (or with no log). Such a call can
 * only succeed: it is done here with the full handler's writes, log records and reservation
 * (one record per backing page present at most), and true is returned. False: nothing was
 * done (a held lock, a full log, any other call); the full handler starts again from the
 * frame's inputs. Allocation-free.
 */
export function fastClear(t: TceTables, f: Int32Array): boolean {
  const log = t.writeLog;
  if (((f[F_ARG_HI] as number) | (f[F_ARG_LO] as number)) !== 0 || !t.inKernelMultiTce || (log !== null && !log.coalesces)) return false;
  const index = fastRangeIndex(t, f);
  const ft = t.fast;
  if (index === FAST_MISS || ft.hw) return false;
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
