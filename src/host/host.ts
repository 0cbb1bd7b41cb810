/**
 * The host behind one guest: its memory (pins, locked bytes), preregistered regions, IOMMU
 * groups, and the reference counts that keep a hardware table alive while a VFIO container or
 * a KVM link holds it. VFIO containers (src/host/vfio) and the KVM-VFIO device
 * (src/host/kvm-vfio.ts) act on it. Runs in: the main thread.
 */
import type { TceTables } from '../shared-memory/tce-tables.js';
import { errnoName, type IoctlResult } from './errno.js';
import type { HostConfig } from './host-config.js';
import { HostMemory } from './host-memory.js';
import { IommuGroup, type GroupConfig } from './iommu-group.js';
import { Preregistration } from './prereg.js';

/** Hears every ioctl as it returns (the event log): target is a container's id or a group's. */
export type IoctlObserver = (kind: string, ret: IoctlResult, target: number) => void;

export class Host {
  readonly memory: HostMemory;
  readonly prereg: Preregistration;
  readonly groups = new Map<number, IommuGroup>();
  /** Ioctl counts by "KIND ERRNO" (e.g. "MAP_DMA OK", "ENABLE EBUSY"). */
  readonly ioctls = new Map<string, number>();
  observer: IoctlObserver | null = null;
  /** Containers opened so far (each gets the next number as its id). */
  containersOpened = 0;
  private readonly hwRefs = new Map<number, number>();

  constructor(readonly tables: TceTables, readonly config: HostConfig, groups: readonly GroupConfig[]) {
    this.memory = new HostMemory(tables.hostPageShift, config.lockedLimit);
    this.prereg = new Preregistration(tables.hw, this.memory, tables.ram.slotBytes, config.ramBackingShift);
    for (const g of groups) {
      if (this.groups.has(g.id)) throw new RangeError(`group ${g.id} is listed twice`);
      this.groups.set(g.id, new IommuGroup(g));
    }
  }

  /** Count an ioctl's result and tell the observer; returns the result. */
  done(kind: string, ret: IoctlResult, target: number): IoctlResult {
    const key = `${kind} ${errnoName(ret)}`;
    this.ioctls.set(key, (this.ioctls.get(key) ?? 0) + 1);
    if (this.observer !== null) this.observer(kind, ret, target);
    return ret;
  }

  /** Take a reference on a hardware table (a container's window, a KVM link). */
  hwGet(hw: number): void {
    this.hwRefs.set(hw, (this.hwRefs.get(hw) ?? 0) + 1);
  }

  /** Drop one; the last frees the table's slot (iommu_tce_table_put). */
  hwPut(hw: number): void {
    const n = this.hwRefs.get(hw) ?? 0;
    if (n <= 1) {
      this.hwRefs.delete(hw);
      this.tables.removeHwTable(hw);
    } else this.hwRefs.set(hw, n - 1);
  }

  /** Log room for n hardware writes made by the host on the main thread (it may wait). */
  reserveWrites(n: number): void {
    if (!this.tables.reserveWrites(n)) throw new Error('the event log refused a host table write');
  }

  releaseWrites(): void {
    this.tables.releaseWrites();
  }
}
