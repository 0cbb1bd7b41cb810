/**
 * VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA of the PAMU container. PAMU translates whole
 * windows, so a mapping is cut into window-sized pieces: each must start on a window boundary
 * and cover the whole window, and the user memory behind each must be physically contiguous
 * (one huge page, say). MAP_DMA undoes everything it did on any failure; UNMAP_DMA disables
 * whole windows.
 * Runs in: host model only.
 */
import { fail, hex, OK, value, type PamuResult, type PamuValue } from './errors.js';
import { IOMMU_READ, IOMMU_WRITE } from './pamu-domain.js';
import { HOST_PAGE_SIZE } from './process-memory.js';
import type { VfioPamuContainer } from './vfio-pamu-container.js';

export const VFIO_DMA_MAP_FLAG_READ = 1;
export const VFIO_DMA_MAP_FLAG_WRITE = 2;
const MAP_FLAGS = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;

export interface VfioDmaMap {
  readonly flags: number;
  readonly vaddr: bigint;
  readonly iova: bigint;
  readonly size: bigint;
}

export interface VfioDmaUnmap {
  readonly flags: number;
  readonly iova: bigint;
  readonly size: bigint;
}

/** VFIO_IOMMU_MAP_DMA: map [iova, iova + size) to the user memory at vaddr, window by window. */
export function vfioIommuMapDma(container: VfioPamuContainer, arg: VfioDmaMap): PamuResult {
  const open = container.enter('VFIO_IOMMU_MAP_DMA');
  if (!open.ok) return open;
  const { flags, vaddr, iova, size } = arg;
  if ((flags & ~MAP_FLAGS) !== 0) return fail('EINVAL', `MAP_DMA flags ${flags} has bits other than READ (1) and WRITE (2)`);
  if ((flags & MAP_FLAGS) === 0) return fail('EINVAL', `MAP_DMA flags ${flags} has neither READ nor WRITE`);
  const sub = container.domain.subWindowSize;
  if (sub === undefined) return fail('ENODEV', 'windows not configured: set the geometry and window count first');
  if (size <= 0n) return fail('EINVAL', `MAP_DMA size ${hex(size)} is not positive`);
  if (vaddr < 0n || vaddr % HOST_PAGE_SIZE !== 0n) return fail('EINVAL', `user address ${hex(vaddr)} is not 4 KiB aligned`);
  const prot = (flags & VFIO_DMA_MAP_FLAG_READ ? IOMMU_READ : 0) | (flags & VFIO_DMA_MAP_FLAG_WRITE ? IOMMU_WRITE : 0);

  const done: number[] = [];
  let failure: PamuResult = OK;
  for (let at = iova; at < iova + size; at += sub) {
    const nr = container.domain.windowIndexOf(at);
    const start = nr === undefined ? undefined : (container.domain.windows()[nr]?.iova ?? undefined);
    if (nr === undefined || start === undefined) {
      failure = fail('EINVAL', `iova ${hex(at)} is outside the aperture`);
    } else if (start !== at) {
      failure = fail('EINVAL', `iova ${hex(at)} is not on a window boundary (window ${nr} starts at ${hex(start)}, windows are ${hex(sub)})`);
    } else if (iova + size - at < sub) {
      failure = fail('EINVAL', `the piece at ${hex(at)} is ${hex(iova + size - at)}, not a whole window of ${hex(sub)}`);
    } else {
      failure = container.mapDmaWindow(nr, at, vaddr + (at - iova), sub, prot);
    }
    if (!failure.ok) break;
    done.push(nr as number);
  }
  if (!failure.ok) {
    // Undo newest first, so the state passes back through the states it came through.
    for (const nr of done.reverse()) container.unmapDmaWindow(nr);
    container.syncEnabled();
    return failure;
  }
  container.syncEnabled();
  return OK;
}

/**
 * VFIO_IOMMU_UNMAP_DMA: disable every DMA-mapped window in [iova, iova + size), which must be
 * whole windows. Answers the number of bytes unmapped (0 if nothing was mapped there). Windows
 * holding an MSI bank are left alone: they are unmapped by VFIO_IOMMU_PAMU_UNMAP_MSI_BANK.
 */
export function vfioIommuUnmapDma(container: VfioPamuContainer, arg: VfioDmaUnmap): PamuValue<bigint> {
  const open = container.enter('VFIO_IOMMU_UNMAP_DMA');
  if (!open.ok) return open;
  const { flags, iova, size } = arg;
  if (flags !== 0) return fail('EINVAL', `UNMAP_DMA flags ${flags} must be 0`);
  const domain = container.domain;
  const sub = domain.subWindowSize;
  const geometry = domain.geometry;
  if (sub === undefined || geometry === undefined) return fail('ENODEV', 'windows not configured: set the geometry and window count first');
  if (size <= 0n || size % sub !== 0n) return fail('EINVAL', `UNMAP_DMA size ${hex(size)} is not a whole number of windows of ${hex(sub)}`);
  if (iova < geometry.start || iova + size > geometry.start + geometry.size) {
    return fail('EINVAL', `range ${hex(iova)}+${hex(size)} is not inside the aperture`);
  }
  if ((iova - geometry.start) % sub !== 0n) return fail('EINVAL', `iova ${hex(iova)} is not on a window boundary (windows are ${hex(sub)})`);
  const first = Number((iova - geometry.start) / sub);
  const count = Number(size / sub);
  let unmapped = 0n;
  for (let nr = first; nr < first + count; nr++) unmapped += container.unmapDmaWindow(nr);
  container.syncEnabled();
  return value(unmapped);
}
