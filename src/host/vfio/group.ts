/**
 * Putting a group in a container and taking it out (VFIO_GROUP_SET_CONTAINER /
 * VFIO_GROUP_UNSET_CONTAINER), and what the sPAPR TCE driver does on attach and detach
 * (tce_iommu_attach_group / tce_iommu_detach_group), in the kernel's order of checks.
 */
import { EBADF, EBUSY, EINVAL, EPERM } from '../errno.js';
import type { IommuGroup } from '../iommu-group.js';
import { tceIommuRelease } from './release.js';
import { MAX_CONTAINER_TABLES, type VfioContainer } from './container.js';

/** VFIO_GROUP_SET_CONTAINER: the group joins; with an IOMMU driver set, the driver attaches it now. */
export function vfioGroupSetContainer(c: VfioContainer, groupId: number): number {
  return c.host.done('GROUP_SET_CONTAINER', groupSetContainer(c, groupId), c.id);
}

function groupSetContainer(c: VfioContainer, groupId: number): number {
  if (c.released) return -EBADF;
  const g = c.host.groups.get(groupId);
  if (g === undefined) return -EBADF;
  if (g.container !== null) return -EINVAL;
  if (c.iommu !== 'none') {
    const ret = tceIommuAttachGroup(c, g);
    if (ret !== 0) return ret;
  }
  g.container = c;
  c.members.push(g);
  return 0;
}

/** VFIO_GROUP_UNSET_CONTAINER: a group not in this container is -EINVAL (detaching twice is safe). */
export function vfioGroupUnsetContainer(c: VfioContainer, groupId: number): number {
  return c.host.done('GROUP_UNSET_CONTAINER', groupUnsetContainer(c, groupId), c.id);
}

export function groupUnsetContainer(c: VfioContainer, groupId: number): number {
  if (c.released) return -EBADF;
  const g = c.host.groups.get(groupId);
  if (g === undefined) return -EBADF;
  const at = c.members.indexOf(g);
  if (at < 0 || g.container !== c) return -EINVAL;
  if (c.attached.includes(g)) tceIommuDetachGroup(c, g);
  c.members.splice(at, 1);
  g.container = null;
  // The last group out takes the IOMMU driver with it (VFIO core), releasing everything it holds.
  if (c.members.length === 0 && c.iommu !== 'none') tceIommuRelease(c);
  return 0;
}

/** tce_iommu_attach_group: compatibility checks, then ownership (legacy or DDW). */
export function tceIommuAttachGroup(c: VfioContainer, g: IommuGroup): number {
  const legacy = g.config.ops === 'legacy';
  // A group without ownership ops cannot share a container.
  if (c.attached.length > 0 && legacy) return -EBUSY;
  for (const other of c.attached) {
    if (other === g) return -EBUSY;
    // Different platform ops (create_table) cannot share tables.
    if (other.config.ops !== g.config.ops) return -EPERM;
  }
  if (legacy) {
    if (c.v2) return -EPERM;
    return takeOwnership(c, g);
  }
  if (!c.v2) return -EPERM;
  return takeOwnershipDdw(c, g);
}

/** Legacy: the container uses the group's own 32-bit table; EBUSY while the host still maps DMA in it. */
function takeOwnership(c: VfioContainer, g: IommuGroup): number {
  if (g.config.hostBusy) return -EBUSY;
  const t = c.host.tables;
  if (g.platformTable < 0) {
    g.platformTable = t.createHwTable({ pageShift: 12, entries: Number(g.config.tce32Size >> 12n), busOffset: g.config.tce32Start, levels: 1 });
    c.host.hwGet(g.platformTable);
    g.windows[0] = g.platformTable;
  }
  t.setHwUserspacePinned(g.platformTable, true);
  c.tables[0] = g.platformTable;
  c.tableCreated[0] = false;
  c.host.hwGet(g.platformTable);
  g.owned = true;
  c.attached.push(g);
  return 0;
}

/** DDW: take ownership (the platform's own window goes), then program every container table. */
function takeOwnershipDdw(c: VfioContainer, g: IommuGroup): number {
  if (g.config.hostBusy) return -EBUSY;
  g.owned = true;
  for (let k = 0; k < MAX_CONTAINER_TABLES; k++) g.windows[k] = c.tables[k] as number;
  const first = c.attached.length === 0;
  c.attached.push(g);
  if (first && c.tables.every((hw) => hw < 0)) c.defWindowPending = true;
  return 0;
}

/** tce_iommu_detach_group: legacy tables are cleared (pins released) and given back; DDW windows are unset. */
export function tceIommuDetachGroup(c: VfioContainer, g: IommuGroup): void {
  const at = c.attached.indexOf(g);
  if (at < 0) return; // unknown group: the kernel only warns
  c.attached.splice(at, 1);
  g.owned = false;
  if (g.config.ops === 'legacy') {
    for (let k = 0; k < MAX_CONTAINER_TABLES; k++) {
      const hw = c.tables[k] as number;
      if (hw < 0 || c.tableCreated[k]) continue;
      c.clearTable(hw);
      c.host.tables.setHwUserspacePinned(hw, false);
      c.tables[k] = -1;
      c.host.hwPut(hw);
    }
    return;
  }
  for (let k = 0; k < MAX_CONTAINER_TABLES; k++) g.windows[k] = -1;
}
