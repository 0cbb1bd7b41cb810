/** VFIO_IOMMU_SPAPR_TCE_GET_INFO: the 32-bit window, and with v2 on a DDW platform the DDW block. */
import { EBADF, ENOTTY, ENXIO } from '../errno.js';
import type { VfioContainer } from './container.js';

/** VFIO_IOMMU_SPAPR_INFO_DDW */
export const INFO_DDW = 1;

export interface SpaprTceInfo {
  dma32WindowStart: bigint;
  dma32WindowSize: bigint;
  flags: number;
  /** Only with INFO_DDW. */
  pageSizes?: bigint;
  maxWindows?: number;
  levels?: number;
}

export function vfioIommuSpaprTceGetInfo(c: VfioContainer): { ret: number; info?: SpaprTceInfo } {
  const r = getInfo(c);
  c.host.done('GET_INFO', r.ret, c.id);
  return r;
}

function getInfo(c: VfioContainer): { ret: number; info?: SpaprTceInfo } {
  if (c.released) return { ret: -EBADF };
  if (c.iommu === 'none') return { ret: -ENOTTY };
  const g = c.attached[0];
  if (g === undefined) return { ret: -ENXIO };
  const info: SpaprTceInfo = { dma32WindowStart: g.config.tce32Start, dma32WindowSize: g.config.tce32Size, flags: 0 };
  if (c.v2 && g.config.ops === 'ddw' && g.config.maxWindows > 0) {
    info.flags |= INFO_DDW;
    info.pageSizes = g.config.pageSizes;
    info.maxWindows = g.config.maxWindows;
    info.levels = g.config.maxLevels;
  }
  return { ret: 0, info };
}
