/**
 * Preregistered memory (mm_iommu) as VFIO v2 containers use it: regions of guest RAM pinned
 * once and charged to locked memory at registration, shared by exact duplicates (a use count),
 * released on the last unregister — refused while hardware entries still point into them.
 * The regions themselves live in shared memory (src/host/hw-tables.ts) so that real and
 * virtual mode can translate through them; this keeps the main thread's bookkeeping.
 * Runs in: the main thread.
 */
import { EBUSY, EFAULT, EINVAL, ENOENT } from './errno.js';
import type { HostMemory } from './host-memory.js';
import type { HostIommu } from './hw-tables.js';

export class Preregistration {
  /** Users (containers) of each live region slot. */
  private readonly users = new Map<number, number>();

  constructor(
    private readonly iommu: HostIommu,
    private readonly memory: HostMemory,
    private readonly ramBytes: number,
    private readonly backingShift: number,
  ) {}

  get count(): number {
    return this.users.size;
  }

  /** The live region exactly [ua, ua + bytes), or -1. */
  exact(ua: number, bytes: number): number {
    for (const r of this.users.keys()) if (this.iommu.regionUa(r) === ua && this.iommu.regionBytes(r) === bytes) return r;
    return -1;
  }

  /**
   * mm_iommu_get / mm_iommu_new: an exact duplicate is shared; otherwise charge, pin every
   * system page, then refuse an overlap. Returns the region slot, or a negative errno.
   * The caller has checked alignment and that it does not hold this region already.
   */
  acquire(ua: number, bytes: number): number {
    const same = this.exact(ua, bytes);
    if (same >= 0) {
      this.users.set(same, (this.users.get(same) ?? 0) + 1);
      return same;
    }
    const charged = this.memory.charge(bytes);
    if (charged !== 0) return charged;
    const gpa = ua - this.iommu.uaBase;
    // get_user_pages fails on addresses QEMU has not mapped: outside guest RAM.
    if (gpa < 0 || gpa + bytes > this.ramBytes) {
      this.memory.refund(bytes);
      return -EFAULT;
    }
    for (const r of this.users.keys()) {
      const start = this.iommu.regionUa(r);
      if (ua < start + this.iommu.regionBytes(r) && start < ua + bytes) {
        this.memory.refund(bytes);
        return -EINVAL;
      }
    }
    const r = this.iommu.registerRegion(gpa, bytes, this.backingShift);
    this.users.set(r, 1);
    const page = 2 ** this.memory.pageShift;
    for (let off = 0; off < bytes; off += page) this.memory.pin(this.iommu.hpaBase + gpa + off);
    return r;
  }

  /** mm_iommu_put: the last user unpins and refunds; -EBUSY while hardware entries use it. */
  release(r: number): number {
    const n = this.users.get(r);
    if (n === undefined) return -ENOENT;
    if (n > 1) {
      this.users.set(r, n - 1);
      return 0;
    }
    this.iommu.beginUnregister(r);
    const ua = this.iommu.regionUa(r);
    const bytes = this.iommu.regionBytes(r);
    if (this.iommu.unregisterRegion(r) === 'EBUSY') return -EBUSY;
    this.users.delete(r);
    const gpa = ua - this.iommu.uaBase;
    const page = 2 ** this.memory.pageShift;
    for (let off = 0; off < bytes; off += page) this.memory.unpin(this.iommu.hpaBase + gpa + off);
    this.memory.refund(bytes);
    return 0;
  }
}
