/**
 * The checks VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA share, in the kernel's order: the
 * container's state, no unknown flag, the pending default window created, a window holding
 * iova, and a range of whole IOMMU pages inside it. Each ioctl adds its own checks after these.
 */
import { EBADF, EINVAL, ENOTTY, ENXIO, EPERM } from '../errno.js';
import { createDefaultWindow } from './tce-create.js';
import type { VfioContainer } from './container.js';

/** The hardware entries [first, first + n) of table hw that a DMA range covers. */
export interface DmaRange {
  readonly hw: number;
  readonly first: number;
  readonly n: number;
  /** The table's IOMMU page size in bytes. */
  readonly page: bigint;
}

/** The entries [iova, iova + size) covers, or the negative errno of the first check it fails. */
export function dmaRange(c: VfioContainer, iova: bigint, size: bigint, flags: number): DmaRange | number {
  if (c.released) return -EBADF;
  if (c.iommu === 'none') return -ENOTTY;
  if (!c.enabled) return -EPERM;
  if (flags !== 0) return -EINVAL;
  const created = createDefaultWindow(c);
  if (created !== 0) return created;
  const k = c.findTable(iova);
  if (k < 0) return -ENXIO;
  const t = c.host.tables;
  const hw = c.tables[k] as number;
  const shift = t.hwPageShift(hw);
  const page = 2n ** BigInt(shift);
  // iommu_tce_put_param_check / iommu_tce_clear_param_check, and the whole range inside the window.
  if (size % page !== 0n || iova % page !== 0n) return -EINVAL;
  const first = Number((iova - t.hwBusOffset(hw)) >> BigInt(shift));
  const n = Number(size >> BigInt(shift));
  if (first + n > t.hwEntries(hw)) return -EINVAL;
  return { hw, first, n, page };
}
