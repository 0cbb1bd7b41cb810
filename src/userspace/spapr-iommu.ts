import { F_LIOBN_HI, F_LIOBN_LO, u32 } from '../papr/frame.js';
import { qemuLiobnValid } from '../papr/rules.js';
import { toBig } from '../papr/u64.js';
import { drainingLock, sleepLock, unlock } from '../shared-memory/lock.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { SpaprTraceObserver } from './trace-observer.js';

import { iommuNotification, type IommuListener } from './iommu-listener.js';

export type { IommuListener, IommuNotification, IommuPerm } from './iommu-listener.js';

/**
 * The QEMU model's guest-view TCE tables (hw/ppc/spapr_iommu.c). A table is either held by KVM
 * and mapped into QEMU (the same shared memory; touching it allocates the kernel backing page
 * it lands on) or QEMU's own. Runs in: userspace (the main thread).
 */
export class SpaprIommu {
  private readonly listeners: IommuListener[] = [];
  /** Run while waiting for a lock, when this thread also drains the event log. */
  idle: (() => void) | null = null;
  /** QEMU's hcall trace points (src/userspace/trace-observer.ts); null: not traced, at the cost of one comparison. */
  trace: SpaprTraceObserver | null = null;

  constructor(readonly tables: TceTables) {}

  /** spapr_tce_find_by_liobn: -1 for an unknown LIOBN or one with upper bits set. */
  findTable(f: Int32Array): number {
    if (!qemuLiobnValid(u32(f, F_LIOBN_HI))) return -1;
    return this.tables.findTable(u32(f, F_LIOBN_LO));
  }

  addListener(listener: IommuListener): void {
    this.listeners.push(listener);
  }

  lock(slot: number): void {
    if (this.idle === null) sleepLock(this.tables.control, this.tables.lockIndex(slot));
    else drainingLock(this.tables.control, this.tables.lockIndex(slot), this.idle);
  }

  unlock(slot: number): void {
    unlock(this.tables.control, this.tables.lockIndex(slot));
  }

  /** A userspace access to a kernel-held table faults its backing page in. */
  touch(slot: number, index: number): void {
    const page = this.tables.pageOf(index);
    if (!this.tables.pageAllocated(slot, page)) this.tables.allocatePage(slot, page);
  }

  readEntry(slot: number, index: number): bigint {
    this.touch(slot, index);
    return toBig(this.tables.entryHi(slot, index), this.tables.entryLo(slot, index));
  }

  /**
   * put_tce_emu's store and notification: the TCE is stored verbatim, then listeners hear MAP
   * when it carries a permission bit, UNMAP otherwise. Caller holds the table lock.
   */
  store(slot: number, index: number, hi: number, lo: number): void {
    this.touch(slot, index);
    // Userspace may wait for log room, so the reservation cannot fail.
    if (!this.tables.reserveWrites(1)) throw new Error('the event log refused a userspace table write');
    this.tables.writeEntry(slot, index, hi, lo);
    this.tables.releaseWrites();
    if (this.listeners.length === 0) return;
    const n = iommuNotification(this.tables, slot, index, hi, lo);
    for (const l of this.listeners) l(n);
  }
}
