/**
 * Opening a container and VFIO_SET_IOMMU with VFIO_SPAPR_TCE_IOMMU (v1) or
 * VFIO_SPAPR_TCE_v2_IOMMU (v2): the driver attaches every group already in the container;
 * if one fails, those attached are detached again and the error returned.
 */
import { EBADF, EINVAL } from '../errno.js';
import type { Host } from '../host.js';
import { tceIommuAttachGroup, tceIommuDetachGroup } from './group.js';
import { VfioContainer } from './container.js';

/** open("/dev/vfio/vfio"). */
export function vfioOpenContainer(host: Host, name: string): VfioContainer {
  const c = new VfioContainer(host, name);
  host.done('OPEN', 0, c.id);
  return c;
}

export function vfioSetIommu(c: VfioContainer, type: 'v1' | 'v2'): number {
  return c.host.done('SET_IOMMU', setIommu(c, type), c.id);
}

function setIommu(c: VfioContainer, type: 'v1' | 'v2'): number {
  if (c.released) return -EBADF;
  if (c.iommu !== 'none') return -EINVAL;
  c.iommu = type;
  for (const g of c.members) {
    const ret = tceIommuAttachGroup(c, g);
    if (ret !== 0) {
      while (c.attached.length > 0) tceIommuDetachGroup(c, c.attached[0]!);
      c.iommu = 'none';
      c.defWindowPending = false;
      return ret;
    }
  }
  return 0;
}
