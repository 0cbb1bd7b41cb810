/**
 * Releasing a container (closing its fd) and its IOMMU driver (tce_iommu_release): every group
 * leaves, every table the container created is cleared and freed, its preregistered regions and
 * its v1 charge are given back. Safe for a container that never had a group, and idempotent:
 * every pin is released exactly once (seed 000's review).
 */
import { EBADF } from '../errno.js';
import { groupUnsetContainer, tceIommuDetachGroup } from './group.js';
import { MAX_CONTAINER_TABLES, type VfioContainer } from './container.js';

/** close(container fd). */
export function vfioContainerRelease(c: VfioContainer): number {
  if (c.released) return c.host.done('RELEASE', -EBADF, c.id);
  while (c.members.length > 0) groupUnsetContainer(c, (c.members[0] as { id: number }).id);
  if (c.iommu !== 'none') tceIommuRelease(c);
  c.released = true;
  return c.host.done('RELEASE', 0, c.id);
}

/** The IOMMU driver's release: what the container still holds goes back. */
export function tceIommuRelease(c: VfioContainer): void {
  while (c.attached.length > 0) tceIommuDetachGroup(c, c.attached[0]!);
  for (let k = 0; k < MAX_CONTAINER_TABLES; k++) if ((c.tables[k] as number) >= 0) c.freeTable(k);
  for (const r of [...c.regions]) {
    c.regions.delete(r);
    // A region still mapped by someone else's table stays registered; the kernel ignores it too.
    c.host.prereg.release(r);
  }
  if (c.enabled && c.enabledCharge > 0) c.host.memory.refund(c.enabledCharge);
  c.enabledCharge = 0;
  c.enabled = false;
  c.defWindowPending = false;
  c.iommu = 'none';
}
