/**
 * VFIO_IOMMU_UNMAP_DMA: the checks it shares with MAP_DMA (dma-range.ts), then the range is
 * cleared (releasing each page's pin or region mapping); always 0 after the checks.
 */
import { dmaRange } from './dma-range.js';
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
  const r = dmaRange(c, u.iova, u.size, u.flags ?? 0);
  if (typeof r === 'number') return r;
  c.clearEntries(r.hw, r.first, r.n);
  return 0;
}
