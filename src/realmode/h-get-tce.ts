import type { EventWriter } from '../events/writer.js';
import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmGetTce } from '../kvm/get-tce.js';
import { F_OUT_HI, F_OUT_LO } from '../papr/frame.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import { unlock } from '../shared-memory/lock.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import { FAST_MISS, fastEntryWord, fastGetEntry } from './fast-path.js';

/**
 * Real mode H_GET_TCE (kvmppc_rm_h_get_tce): the KVM rules with real mode's abilities:
 * no allocation, no sleep; whatever it cannot do is H_TOO_HARD with a reason in the frame.
 * The common case takes the fast path (src/realmode/fast-path.ts).
 */
export function realmodeHGetTce(t: TceTables, f: Int32Array): number {
  const index = fastGetEntry(t, f);
  if (index !== FAST_MISS && readLocked(t, f, index)) return H_SUCCESS;
  return kvmGetTce(REALMODE_ABILITIES, t, f);
}

/**
 * Real mode H_GET_TCE on a vCPU that logs its calls: a fast-path call is answered here with a
 * single CALL record. True: answered H_SUCCESS (the value in the frame's outputs). False:
 * nothing was done or logged; the caller runs the call the full way.
 */
export function realmodeHGetTceLogged(t: TceTables, w: EventWriter, f: Int32Array, clockNs: number, costNs: number): boolean {
  const index = fastGetEntry(t, f);
  if (index === FAST_MISS || !readLocked(t, f, index)) return false;
  // A read has no effect: if the log is full, the full way reads again and gives up there.
  if (!w.reserveCall()) return false;
  w.fillCall(w.callFirst, f, false, f[F_OUT_LO] as number, f[F_OUT_HI] as number, clockNs, costNs);
  return true;
}

/** One try at the table lock, then both halves of the entry into the frame's outputs. */
function readLocked(t: TceTables, f: Int32Array, index: number): boolean {
  const c = t.control;
  const lock = t.fast.lock;
  if (Atomics.compareExchange(c, lock, 0, 1) !== 0) return false;
  const x = fastEntryWord(t, index);
  f[F_OUT_LO] = t.data[x] as number;
  f[F_OUT_HI] = t.data[x + 1] as number;
  unlock(c, lock);
  return true;
}
