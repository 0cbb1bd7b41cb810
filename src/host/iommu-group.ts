/**
 * IOMMU groups of devices that can be passed through (FORMAT.md `machine.groups`), with the
 * platform's capabilities: "ddw" groups (IODA2-like: take/release ownership, create/remove
 * windows; v2 containers only) and "legacy" groups (no window ops: a v1 container takes over
 * the platform's existing 32-bit table).
 */
export type GroupOps = 'ddw' | 'legacy';

export interface GroupConfig {
  id: number;
  /** The PHB the group's devices sit behind. */
  phb: number;
  ops: GroupOps;
  tce32Start: bigint;
  tce32Size: bigint;
  /** Bit k set: IOMMU pages of 2^k bytes are supported. */
  pageSizes: bigint;
  maxWindows: number;
  maxLevels: number;
  /** The host kernel still has DMA mappings in the group's table: taking ownership fails EBUSY. */
  hostBusy: boolean;
}

export function defaultGroupConfig(id: number, phb: number): GroupConfig {
  return { id, phb, ops: 'ddw', tce32Start: 0n, tce32Size: 0x80000000n, pageSizes: 0x1011000n, maxWindows: 2, maxLevels: 5, hostBusy: false };
}

/** The container a group belongs to, as far as a group needs to know. */
export interface GroupOwner {
  readonly name: string;
}

export class IommuGroup {
  /** The container the group was put in (VFIO_GROUP_SET_CONTAINER), or null. */
  container: GroupOwner | null = null;
  /** Whether the container's IOMMU driver has taken the group (ownership). */
  owned = false;
  /** Hardware tables programmed into the group's two window slots (-1: none). */
  readonly windows: number[] = [-1, -1];
  /** A legacy group's platform 32-bit table, created when first needed (-1: not yet). */
  platformTable = -1;

  constructor(readonly config: GroupConfig) {}

  get id(): number {
    return this.config.id;
  }

  /** The group's hardware tables (table_group->tables[]). */
  tables(): number[] {
    return this.windows.filter((w) => w >= 0);
  }
}
