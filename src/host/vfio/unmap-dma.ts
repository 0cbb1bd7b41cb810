/**
 * VFIO_IOMMU_UNMAP_DMA: checks in the kernel's order, then the range is cleared (releasing
 * each page's pin or region mapping); always 0 after the checks.
 */
import { EBADF, EINVAL, ENOTTY, ENXIO, EPERM } from '../errno.js';
import { createDefaultWindow } from './tce-create.js';
import type { VfioContainer } from './container.js';

export interface DmaUnmap {
  iova: bigint;
  size: bigint;
  flags?: number;
}

export function vfioIommuUnmapDma(c: VfioContainer, u: DmaUnmap): number {
  return c.host.done('UNMAP_DMA', unmapDma(c, u), c.id);
}

function unmapDma(c: VfioContainer, u: DmaUnmap): number {
  if (c.released) return -EBADF;
  if (c.iommu === 'none') return -ENOTTY;
  if (!c.enabled) return -EPERM;
  if ((u.flags ?? 0) !== 0) return -EINVAL;
  const created = createDefaultWindow(c);
  if (created !== 0) return created;
  const k = c.findTable(u.iova);
  if (k < 0) return -ENXIO;
  const t = c.host.tables;
  const hw = c.tables[k] as number;
  const shift = t.hwPageShift(hw);
  const page = 2n ** BigInt(shift);
  if (u.size % page !== 0n) return -EINVAL;
  if (u.iova % page !== 0n) return -EINVAL;
  const first = Number((u.iova - t.hwBusOffset(hw)) >> BigInt(shift));
  const n = Number(u.size >> BigInt(shift));
  if (first + n > t.hwEntries(hw)) return -EINVAL;
  c.clearEntries(hw, first, n);
  return 0;
}
