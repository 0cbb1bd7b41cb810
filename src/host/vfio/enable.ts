/**
 * VFIO_IOMMU_ENABLE / VFIO_IOMMU_DISABLE (v1 only; v2 falls through to -ENOTTY). ENABLE charges
 * the whole 32-bit window to locked memory up front: per-map accounting would be impossible in
 * real mode, and failing a map on the limit would kill the guest at a random point.
 */
import { EBADF, EBUSY, ENODEV, ENOTTY, EPERM } from '../errno.js';
import type { VfioContainer } from './container.js';

export function vfioIommuEnable(c: VfioContainer): number {
  return c.host.done('ENABLE', enable(c), c.id);
}

function enable(c: VfioContainer): number {
  if (c.released) return -EBADF;
  if (c.iommu !== 'v1') return -ENOTTY;
  c.mmBound = true;
  if (c.enabled) return -EBUSY;
  const g = c.attached[0];
  if (g === undefined) return -ENODEV;
  if (g.config.tce32Size === 0n) return -EPERM;
  const page = 2n ** BigInt(c.host.memory.pageShift);
  const bytes = Number(((g.config.tce32Size + page - 1n) / page) * page);
  const charged = c.host.memory.charge(bytes);
  if (charged !== 0) return charged;
  c.enabledCharge = bytes;
  c.enabled = true;
  return 0;
}

/** Always 0 on v1: refunds what ENABLE charged, if it did. */
export function vfioIommuDisable(c: VfioContainer): number {
  return c.host.done('DISABLE', disable(c), c.id);
}

function disable(c: VfioContainer): number {
  if (c.released) return -EBADF;
  if (c.iommu !== 'v1') return -ENOTTY;
  if (!c.enabled) return 0;
  c.enabled = false;
  c.host.memory.refund(c.enabledCharge);
  c.enabledCharge = 0;
  return 0;
}
