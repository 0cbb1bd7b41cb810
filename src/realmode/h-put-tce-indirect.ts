import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmPutTceIndirect } from '../kvm/put-tce-indirect.js';
import { F_ARG_HI, F_ARG_LO, F_NPAGES_LO } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import { TCE_LIST_ALIGN_MASK, TCE_LIST_MAX_ENTRIES, TCE_PERM_MASK } from '../papr/tce.js';
import { unlock } from '../shared-memory/lock.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import { FAST_MISS, fastRangeIndex } from './fast-path.js';

/**
 * Real mode H_PUT_TCE_INDIRECT (kvmppc_rm_h_put_tce_indirect): the KVM rules with real mode's abilities:
 * no allocation, no sleep; whatever it cannot do is H_TOO_HARD with a reason in the frame.
 * The common case takes the fast path below; anything else goes to the full handler.
 */
export function realmodeHPutTceIndirect(t: TceTables, f: Int32Array): number {
  const ret = fastIndirect(t, f);
  return ret !== FAST_MISS ? ret : kvmPutTceIndirect(REALMODE_ABILITIES, t, f);
}

/**
 * The common H_PUT_TCE_INDIRECT: a list of up to 512 TCEs, each a clear or a page-aligned
 * address in guest RAM, in a list page real mode can reach, written to entries inside the
 * window of a kernel table (in `t.fast`) whose backing pages are all present and that has no
 * hardware table, on a thread whose log takes runs of writes (or with no log). Every entry is
 * checked before any is written, as in the kernel; what the full handler checks again while
 * writing (the guest may change its list meanwhile) is checked again. Answers H_SUCCESS, or
 * H_PARAMETER for an entry the guest changed to an address outside RAM after the checks (the
 * entries before it stay written, as in the kernel), or FAST_MISS: nothing was done, the full
 * handler starts again from the frame's inputs. Allocation-free.
 */
export function fastIndirect(t: TceTables, f: Int32Array): number {
  const log = t.writeLog;
  if (!t.inKernelMultiTce || (log !== null && !log.coalesces)) return FAST_MISS;
  const npages = (f[F_NPAGES_LO] as number) >>> 0;
  const listHi = (f[F_ARG_HI] as number) >>> 0;
  const listLo = (f[F_ARG_LO] as number) >>> 0;
  if (npages > TCE_LIST_MAX_ENTRIES || (listLo & TCE_LIST_ALIGN_MASK) !== 0 || listHi !== 0 || t.hw.anyRegion()) return FAST_MISS;
  const index = fastRangeIndex(t, f);
  const ft = t.fast;
  if (index === FAST_MISS || ft.hw) return FAST_MISS;
  const ram = t.ram;
  // The list page: in RAM, reachable without sleeping (no preregistered memory: checked above), whole.
  if (listLo >= ram.slotBytes || !ram.reachableInRealMode(listLo) || !ram.containsRange(listLo, npages * 8)) return FAST_MISS;
  if (npages > 0) {
    const last = ft.pages + ((index + npages - 1) >>> t.entriesPerPageShift);
    for (let p = ft.pages + (index >>> t.entriesPerPageShift); p <= last; p++) if (t.pages[p] === 0) return FAST_MISS;
  }
  const mask = ft.mask;
  for (let i = 0, at = listLo; i < npages; i++, at += 8) {
    const hi = ram.readBeHi(at);
    const lo = ram.readBeLo(at);
    const gpaLo = (lo & ~TCE_PERM_MASK) >>> 0;
    // A mapping TCE: page-aligned, in RAM. Any TCE: an address in RAM (the kernel translates
    // clears too, and answers H_PARAMETER while writing otherwise).
    if ((lo & TCE_PERM_MASK) !== 0 && (gpaLo & mask) !== 0) return FAST_MISS;
    if (!ram.contains(hi, gpaLo)) return FAST_MISS;
  }
  const c = t.control;
  if (Atomics.compareExchange(c, ft.lock, 0, 1) !== 0) return FAST_MISS;
  if (log !== null && !log.reserveWrites(npages)) {
    unlock(c, ft.lock);
    return FAST_MISS;
  }
  let ret = H_SUCCESS;
  for (let i = 0, at = listLo; i < npages; i++, at += 8) {
    const hi = ram.readBeHi(at);
    const lo = ram.readBeLo(at);
    if (!ram.contains(hi, (lo & ~TCE_PERM_MASK) >>> 0)) {
      ret = H_PARAMETER;
      break;
    }
    t.writeEntry(ft.slot, index + i, hi, lo);
  }
  log?.releaseWrites();
  unlock(c, ft.lock);
  return ret;
}
