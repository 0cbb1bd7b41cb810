/**
 * A VFIO container with the sPAPR TCE IOMMU driver (drivers/vfio/vfio_iommu_spapr_tce.c): its
 * state and the table operations its ioctls share. Each ioctl is its own function in this
 * folder (vfioIommuMapDma, vfioIommuSpaprTceCreate, …) returning 0 or the kernel's negative
 * errno. v1 pins every mapped page; v2 translates through preregistered memory.
 * Runs in: the main thread.
 */
import { TCE_PERM_MASK } from '../../papr/tce.js';
import { hwReleaseMapped } from '../../kvm/hardware.js';
import type { Host } from '../host.js';
import type { GroupOwner, IommuGroup } from '../iommu-group.js';

export type ContainerIommu = 'none' | 'v1' | 'v2';

/** IOMMU_TABLE_GROUP_MAX_TABLES */
export const MAX_CONTAINER_TABLES = 2;

/** Bus address of a container's second window: the PHB selects TVE #1 by address bit 59. */
export const SECOND_WINDOW_BUS = 1n << 59n;

export class VfioContainer implements GroupOwner {
  iommu: ContainerIommu = 'none';
  /** v1: ENABLE done; v2: some memory registered. MAP/UNMAP need it. */
  enabled = false;
  /** v2: the default window is created on the first MAP/UNMAP unless removed first. */
  defWindowPending = false;
  /** v1: locked bytes charged by ENABLE. */
  enabledCharge = 0;
  /** Hardware tables the container uses (v1: the group's own; v2: the windows it created). */
  readonly tables: number[] = [-1, -1];
  /** v2: locked bytes charged for each created table. */
  readonly tableCharge: number[] = [0, 0];
  /** Whether tables[k] was created by this container (v2) or borrowed from a group (v1). */
  readonly tableCreated: boolean[] = [false, false];
  /** Groups put in the container (VFIO_GROUP_SET_CONTAINER), in order. */
  readonly members: IommuGroup[] = [];
  /** Groups the IOMMU driver has attached (taken ownership of). */
  readonly attached: IommuGroup[] = [];
  /** Preregistered region slots this container holds. */
  readonly regions = new Set<number>();
  released = false;
  /** Bound to QEMU's mm by the first ioctl that needs one (register, enable, create, remove). */
  mmBound = false;

  /** Numbered in opening order (event records name containers by it). */
  readonly id: number;

  constructor(readonly host: Host, readonly name: string) {
    this.id = ++host.containersOpened;
  }

  get v2(): boolean {
    return this.iommu === 'v2';
  }

  /** tce_iommu_find_table: the table whose window holds bus address iova, or -1. */
  findTable(iova: bigint): number {
    const t = this.host.tables;
    for (let k = 0; k < MAX_CONTAINER_TABLES; k++) {
      const hw = this.tables[k] as number;
      if (hw < 0) continue;
      const start = t.hwBusOffset(hw);
      const end = start + (BigInt(t.hwEntries(hw)) << BigInt(t.hwPageShift(hw)));
      if (iova >= start && iova < end) return k;
    }
    return -1;
  }

  /**
   * tce_iommu_clear: zero entries [first, first + n) of a hardware table, releasing what each
   * mapped — a v1 pin, or a v2 region mapping. Indirect levels never allocated are skipped.
   */
  clearEntries(hw: number, first: number, n: number): void {
    const t = this.host.tables;
    let live = 0;
    for (let e = first; e < first + n; e++) if (t.hwLevelPresent(hw, e) && (t.hwEntryLo(hw, e) !== 0 || t.hwEntryHi(hw, e) !== 0)) live++;
    if (live === 0) return;
    this.host.reserveWrites(live);
    for (let e = first; e < first + n; e++) {
      if (!t.hwLevelPresent(hw, e)) continue;
      if (t.hwEntryLo(hw, e) === 0 && t.hwEntryHi(hw, e) === 0) continue;
      this.releaseEntry(hw, e);
      t.hwWriteEntry(hw, e, 0, 0);
    }
    this.host.releaseWrites();
  }

  /** What hardware entry e holds is about to be replaced or cleared: release it. */
  releaseEntry(hw: number, e: number): void {
    const t = this.host.tables;
    const lo = t.hwEntryLo(hw, e);
    if ((lo & TCE_PERM_MASK) === 0) return;
    if (t.hwUserspacePinned(hw)) this.host.memory.unpin(t.hwEntryHi(hw, e) * 4294967296 + ((lo & ~TCE_PERM_MASK) >>> 0));
    else hwReleaseMapped(t, hw, e);
  }

  /** Clear every entry of a table. */
  clearTable(hw: number): void {
    this.clearEntries(hw, 0, this.host.tables.hwEntries(hw));
  }

  /**
   * tce_iommu_free_table: window k's table is cleared, its locked memory refunded (when this
   * container created it) and its reference dropped; the container forgets it.
   */
  freeTable(k: number): void {
    const hw = this.tables[k] as number;
    this.clearTable(hw);
    if (this.tableCreated[k]) this.host.memory.refund(this.tableCharge[k] as number);
    this.tables[k] = -1;
    this.tableCharge[k] = 0;
    this.tableCreated[k] = false;
    this.host.hwPut(hw);
  }
}
