import type { EventWriter } from '../events/writer.js';
import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmPutTce } from '../kvm/put-tce.js';
import { F_ARG_HI, F_ARG_LO } from '../papr/frame.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import { unlock } from '../shared-memory/lock.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import { FAST_MISS, fastEntryWord, fastPutEntry } from './fast-path.js';

/**
 * Real mode H_PUT_TCE (kvmppc_rm_h_put_tce): the KVM rules with real mode's abilities:
 * no allocation, no sleep; whatever it cannot do is H_TOO_HARD with a reason in the frame.
 * The common case takes the fast path (src/realmode/fast-path.ts); the table's write log
 * hears the write as in the full handler.
 */
export function realmodeHPutTce(t: TceTables, f: Int32Array): number {
  const index = fastPutEntry(t, f);
  if (index !== FAST_MISS) {
    const c = t.control;
    const lock = t.fast.lock;
    // One try: a held lock or a full log is the full handler's to report.
    if (Atomics.compareExchange(c, lock, 0, 1) === 0) {
      const log = t.writeLog;
      if (log === null || log.reserveWrites(1)) {
        const hi = f[F_ARG_HI] as number;
        const lo = f[F_ARG_LO] as number;
        if (log === null) {
          t.putEntryWord(fastEntryWord(t, index), hi, lo);
        } else {
          t.writeEntry(t.fast.slot, index, hi, lo);
          log.releaseWrites();
        }
        unlock(c, lock);
        return H_SUCCESS;
      }
      unlock(c, lock);
    }
  }
  return kvmPutTce(REALMODE_ABILITIES, t, f);
}

/**
 * Real mode H_PUT_TCE on a vCPU that logs its calls: a fast-path call is answered here with a
 * single CALL record (entry, write and completion in one), reserved under the table lock so it
 * keeps its place in the table's order of writes. True: answered H_SUCCESS. False: nothing was
 * done or logged; the caller runs the call the full way.
 */
export function realmodeHPutTceLogged(t: TceTables, w: EventWriter, f: Int32Array, clockNs: number, costNs: number): boolean {
  const index = fastPutEntry(t, f);
  if (index === FAST_MISS) return false;
  const c = t.control;
  const lock = t.fast.lock;
  if (Atomics.compareExchange(c, lock, 0, 1) !== 0) return false;
  if (!w.reserveCall()) {
    unlock(c, lock);
    return false;
  }
  const p = w.callFirst;
  t.storeEntryWord(fastEntryWord(t, index), f[F_ARG_HI] as number, f[F_ARG_LO] as number);
  unlock(c, lock);
  w.fillCall(p, f, true, t.replacedLo, t.replacedHi, clockNs, costNs);
  return true;
}
