/**
 * The MSI-bank ioctls of the PAMU container: seed 001's option B (explicit mapping chosen by
 * user space, no user address behind it) in the shape the follow-up RFC driver gave it: ask how
 * many banks there are, then map each bank by index into the whole window containing an iova
 * of user space's choosing, and unmap it by that iova. docs/pamu.md says why options A
 * (implicit, last windows reserved) and C (an MSI fd mmapped and DMA-mapped) were not taken.
 * MSI register pages are device memory, not RAM: nothing is pinned or charged for them.
 * Runs in: host model only.
 */
import { fail, value, type PamuResult, type PamuValue } from './errors.js';
import { IOMMU_READ, IOMMU_WRITE } from './pamu-domain.js';
import type { VfioPamuContainer } from './vfio-pamu-container.js';

export interface VfioPamuMsiBankMap {
  /** VFIO_DMA_MAP_FLAG_READ (1) | VFIO_DMA_MAP_FLAG_WRITE (2). */
  readonly flags: number;
  /** 0-based, below VFIO_IOMMU_PAMU_GET_MSI_BANK_COUNT's answer (seed 001 counts from 1). */
  readonly msiBankIndex: number;
  readonly iova: bigint;
}

/** VFIO_IOMMU_PAMU_GET_MSI_BANK_COUNT. */
export function vfioIommuPamuGetMsiBankCount(container: VfioPamuContainer): PamuValue<number> {
  const open = container.enter('VFIO_IOMMU_PAMU_GET_MSI_BANK_COUNT');
  if (!open.ok) return open;
  return value(container.domain.msiBanks.length);
}

/** VFIO_IOMMU_PAMU_MAP_MSI_BANK: the bank takes the whole window containing iova. */
export function vfioIommuPamuMapMsiBank(container: VfioPamuContainer, arg: VfioPamuMsiBankMap): PamuResult {
  const open = container.enter('VFIO_IOMMU_PAMU_MAP_MSI_BANK');
  if (!open.ok) return open;
  if ((arg.flags & ~(IOMMU_READ | IOMMU_WRITE)) !== 0) return fail('EINVAL', `MAP_MSI_BANK flags ${arg.flags} has bits other than READ (1) and WRITE (2)`);
  const mapped = container.domain.mapMsiBank(arg.msiBankIndex, arg.iova, arg.flags);
  if (!mapped.ok) return mapped;
  container.syncEnabled();
  return mapped;
}

/** VFIO_IOMMU_PAMU_UNMAP_MSI_BANK: by the exact iova the bank was mapped at. */
export function vfioIommuPamuUnmapMsiBank(container: VfioPamuContainer, iova: bigint): PamuResult {
  const open = container.enter('VFIO_IOMMU_PAMU_UNMAP_MSI_BANK');
  if (!open.ok) return open;
  const unmapped = container.domain.unmapMsiBank(iova);
  if (!unmapped.ok) return unmapped;
  container.syncEnabled();
  return unmapped;
}
