/**
 * VFIO_IOMMU_SPAPR_TCE_REMOVE (v2): cancel the pending default window (start 0), or unset a
 * window from every group, clear it, free it and refund its locked memory.
 */
import { EBADF, EINVAL, ENOTTY, ENXIO, EPERM } from '../errno.js';
import { MAX_CONTAINER_TABLES, type VfioContainer } from './container.js';

export function vfioIommuSpaprTceRemove(c: VfioContainer, startAddr: bigint, flags = 0): number {
  return c.host.done('TCE_REMOVE', tceRemove(c, startAddr, flags), c.id);
}

function tceRemove(c: VfioContainer, startAddr: bigint, flags: number): number {
  if (c.released) return -EBADF;
  if (!c.v2) return -ENOTTY;
  c.mmBound = true;
  if (c.attached.length === 0) return -ENXIO;
  if (flags !== 0) return -EINVAL;
  if (c.defWindowPending && startAddr === 0n) {
    c.defWindowPending = false;
    return 0;
  }
  const t = c.host.tables;
  let num = -1;
  for (let k = 0; k < MAX_CONTAINER_TABLES; k++) {
    const hw = c.tables[k] as number;
    if (hw >= 0 && t.hwBusOffset(hw) === startAddr) { num = k; break; }
  }
  if (num < 0) return -EINVAL;
  if (c.attached.some((g) => g.config.ops !== 'ddw')) return -EPERM;
  for (const g of c.attached) g.windows[num] = -1;
  c.freeTable(num);
  return 0;
}
