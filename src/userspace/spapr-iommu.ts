import { F_LIOBN_HI, F_LIOBN_LO, u32 } from '../papr/frame.js';
import { qemuLiobnValid } from '../papr/rules.js';
import { toBig } from '../papr/u64.js';
import { drainingLock, sleepLock, unlock } from '../shared-memory/lock.js';
import type { TableArena, TceTables } from '../shared-memory/tce-tables.js';
import type { Host } from '../host/host.js';
import { kvmCreateSpaprTce64, kvmReleaseSpaprTce, kvmReleaseTable } from './kvm-tce-create.js';
import { DEFAULT_WINDOW_PAGE_SHIFT, SpaprPhb, type PhbConfig, type PhbWindow } from './spapr-phb.js';
import type { SpaprTraceObserver } from './trace-observer.js';

import { iommuNotification, replayIommu, type IommuListener } from './iommu-listener.js';

export type { IommuListener, IommuNotification,  } from './iommu-listener.js';

/** Hears a table appear, vanish or be emptied, for the event log (created: its slot is live). */
export type TableChangeObserver = (liobn: number, slot: number, created: boolean) => void;

/** What QEMU's KVM has: whether enabled windows get kernel tables (KVM_CAP_SPAPR_TCE_64). */
export interface QemuKvm {
  /** Under KVM with in-kernel TCE tables (modes realmode and virtmode). */
  readonly kernelTables: boolean;
  /**
   * KVM_CAP_SPAPR_TCE_VFIO: KVM can keep a table that a VFIO device needs. Without it (seed 004's
   * kernels, tcesim's default) the first VFIO device on a PHB moves its tables to userspace.
   */
  readonly vfioAcceleration?: boolean;
  /**
   * The host whose locked memory (RLIMIT_MEMLOCK) KVM charges each kernel table to, and that
   * counts the KVM_CREATE_SPAPR_TCE_64 ioctls; absent or null: no host modelled, nothing charged.
   */
  readonly host?: Host | null;
}

/** A table the machine starts with (QEMU creates it at machine init; in a kernel mode it asks KVM for it). */
export interface BootTable {
  readonly liobn: number;
  readonly pageShift: number;
  readonly busOffset: bigint;
  readonly entries: number;
  /** QEMU never asks KVM for it (a VIO device's table without KVM's help, a conformance vector's `userspaceOnly`). */
  readonly userspaceOnly: boolean;
}

/** What plugging a VFIO device into a PHB did: tables moved out of the kernel and mappings replayed to listeners. */
export interface HotplugResult {
  readonly first: boolean;
  readonly moved: readonly { readonly liobn: number; readonly replayed: number }[];
}

/** Hears each table QEMU moves to userspace and the entries whose mappings it replayed. */
export type TableMoveObserver = (liobn: number, slot: number, replayed: readonly number[]) => void;

/**
 * The QEMU model's guest-view TCE tables (hw/ppc/spapr_iommu.c). A table is either held by KVM
 * and mapped into QEMU (the same shared memory; touching it allocates the kernel backing page
 * it lands on) or QEMU's own. Runs in: userspace (the main thread).
 */
export class SpaprIommu {
  private readonly listeners: IommuListener[] = [];
  /** Run while waiting for a lock, when this thread also drains the event log. */
  idle: (() => void) | null = null;
  /** QEMU's hcall trace points (src/userspace/trace-observer.ts); null: not traced, at the cost of one comparison. */
  trace: SpaprTraceObserver | null = null;

  /** The machine's PHBs (their windows are tables here too). */
  readonly phbs: SpaprPhb[] = [];
  /** Hears tables appear and vanish (the event log), or null. */
  tableChanged: TableChangeObserver | null = null;
  /** Hears tables move to userspace on a VFIO hotplug, or null. */
  tableMoved: TableMoveObserver | null = null;
  /** Hears a VFIO device plugged into a PHB, before anything moves or replays (src/userspace/vfio-hotplug.ts). */
  vfioPlugged: ((phb: SpaprPhb, group: number) => void) | null = null;
  /** The arena range each LIOBN had when its window was last disabled, reused when it comes back. */
  private readonly freed = new Map<number, TableArena>();
  /** Stand-in for the host pointer QEMU prints in new_table lines: counts up per table. */
  private nextTablePointer = 0x7f5a00000000n;

  constructor(readonly tables: TceTables, readonly kvm: QemuKvm = { kernelTables: false }) {}

  /** Print new_table for every live table (as QEMU does for the tables it enables at boot), in slot order. */
  traceLiveTables(): void {
    const tr = this.trace;
    if (tr === null) return;
    for (const slot of this.tables.liveSlots()) {
      tr.newTable(this.tables.liobn(slot), this.nextTablePointer, this.tables.isInKernel(slot) ? 100 + slot : -1);
      this.nextTablePointer += 0x10000n;
    }
  }

  /** Add a PHB and enable its default window, as QEMU's realize and reset do. */
  addPhb(config: PhbConfig): SpaprPhb {
    if (this.phbs.some((p) => p.config.index === config.index)) throw new RangeError(`PHB index ${config.index} is used twice`);
    const phb = new SpaprPhb(config);
    for (const w of phb.windows) {
      if (this.tables.findTable(w.liobn) >= 0) throw new RangeError(`PHB ${config.index}'s LIOBN 0x${w.liobn.toString(16)} already has a table`);
    }
    this.phbs.push(phb);
    this.phbDmaReset(phb);
    return phb;
  }

  /** spapr_pci_find_phb. */
  findPhb(buid: bigint): SpaprPhb | null {
    return this.phbs.find((p) => p.buid === buid) ?? null;
  }

  /** The PHB window with this LIOBN (enabled or not), or null. */
  findWindow(liobn: number): { phb: SpaprPhb; window: PhbWindow } | null {
    for (const phb of this.phbs) {
      const window = phb.window(liobn);
      if (window !== null) return { phb, window };
    }
    return null;
  }

  /**
   * A table the machine starts with, made as QEMU makes it (spapr_tce_alloc_table): a kernel
   * table when KVM holds tables and agrees (its pages charged to the host's locked memory),
   * else QEMU's own. A table that cannot be made at all is a RangeError naming it.
   */
  bootTable(b: BootTable): number {
    const kernel = this.kvm.kernelTables && !b.userspaceOnly && this.askKvm(b.liobn, b.pageShift, b.busOffset, b.entries);
    try {
      return this.tables.create({ liobn: b.liobn, pageShift: b.pageShift, busOffset: b.busOffset, entries: b.entries, inKernel: kernel });
    } catch (e) {
      if (kernel) kvmReleaseTable(this.tables, b.entries, this.kvm.host ?? null);
      throw e;
    }
  }

  /** KVM_CREATE_SPAPR_TCE_64 for this table: true when KVM made it (and charged it). */
  private askKvm(liobn: number, pageShift: number, busOffset: bigint, entries: number): boolean {
    return kvmCreateSpaprTce64(this.tables, liobn, pageShift, busOffset, entries, this.kvm.host ?? null) === null;
  }

  /**
   * spapr_tce_table_enable: a zeroed table of `entries` pages. Under KVM QEMU asks for a kernel
   * table (KVM_CREATE_SPAPR_TCE_64) and falls back to its own memory when KVM refuses.
   * Returns the slot, or -1 when no table could be made (tcesim's size limit).
   */
  enableTable(liobn: number, pageShift: number, busOffset: bigint, entries: number, needVfio = false): number {
    // need_vfio without KVM_CAP_SPAPR_TCE_VFIO: QEMU does not ask KVM for the table.
    const kvm = this.kvm.kernelTables && (!needVfio || this.kvm.vfioAcceleration === true);
    const inKernel = kvm && this.askKvm(liobn, pageShift, busOffset, entries);
    let slot: number;
    try {
      slot = this.tables.create({ liobn, pageShift, busOffset, entries, inKernel }, this.freed.get(liobn));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // KVM made a table QEMU could not map: it closes the fd again.
      if (inKernel) kvmReleaseTable(this.tables, entries, this.kvm.host ?? null);
      return -1;
    }
    this.freed.delete(liobn);
    const pointer = this.nextTablePointer;
    this.nextTablePointer += 0x10000n;
    this.trace?.newTable(liobn, pointer, inKernel ? 100 + slot : -1);
    this.tableChanged?.(liobn, slot, true);
    return slot;
  }

  /** spapr_tce_table_disable: the table goes (no notifications: the window's region goes with it). */
  disableTable(slot: number): void {
    const liobn = this.tables.liobn(slot);
    this.lock(slot);
    const arena = this.tables.arena(slot);
    // spapr_tce_free_table: a kernel table's fd is closed, and KVM gives its locked memory back.
    if (this.tables.isInKernel(slot)) kvmReleaseSpaprTce(this.tables, slot, this.kvm.host ?? null);
    this.tables.remove(slot);
    this.unlock(slot);
    const old = this.freed.get(liobn);
    if (old === undefined || old.capacity < arena.capacity) this.freed.set(liobn, arena);
    this.tableChanged?.(liobn, slot, false);
  }

  /** Enable a PHB window (its slot recorded); false when no table could be made. A PHB with a VFIO device needs VFIO on it. */
  enableWindow(phb: SpaprPhb, window: PhbWindow, pageShift: number, busOffset: bigint, entries: number): boolean {
    window.slot = this.enableTable(window.liobn, pageShift, busOffset, entries, phb.vfioGroups.length > 0);
    window.defaultWindow = false;
    return window.slot >= 0;
  }

  disableWindow(window: PhbWindow): void {
    if (window.slot < 0) return;
    this.disableTable(window.slot);
    window.slot = -1;
    window.defaultWindow = false;
  }

  /** spapr_phb_dma_reset: every window disabled, then the default window enabled, empty. */
  phbDmaReset(phb: SpaprPhb): void {
    for (const w of phb.windows) this.disableWindow(w);
    const c = phb.config;
    const w0 = phb.windows[0] as PhbWindow;
    if (!this.enableWindow(phb, w0, DEFAULT_WINDOW_PAGE_SHIFT, c.dmaWinAddr, Number(c.dmaWinSize >> BigInt(DEFAULT_WINDOW_PAGE_SHIFT)))) {
      throw new RangeError(`PHB ${c.index}'s default window of ${c.dmaWinSize} bytes does not fit in tcesim's tables`);
    }
    w0.defaultWindow = true;
  }

  /** spapr_tce_find_by_liobn: -1 for an unknown LIOBN or one with upper bits set. */
  findTable(f: Int32Array): number {
    if (!qemuLiobnValid(u32(f, F_LIOBN_HI))) return -1;
    return this.tables.findTable(u32(f, F_LIOBN_LO));
  }

  /**
   * A VFIO device of `group` is plugged into the PHB (spapr_phb_hotplug_dma_sync). The first
   * one sets need_vfio on the PHB's windows: a window KVM holds without VFIO acceleration is
   * reallocated in userspace (KVM no longer answers for it; the entries come along) and every
   * live mapping is replayed to the IOMMU listeners. One way: it never moves back.
   */
  hotplugVfio(phb: SpaprPhb, group: number): HotplugResult {
    this.vfioPlugged?.(phb, group);
    const first = phb.vfioGroups.length === 0;
    phb.vfioGroups.push(group);
    const moved: { liobn: number; replayed: number }[] = [];
    if (!first) return { first, moved };
    for (const w of phb.windows) {
      if (w.slot < 0 || !this.tables.isInKernel(w.slot) || this.kvm.vfioAcceleration === true) continue;
      this.moveToUserspace(w.slot);
      const indices: number[] = [];
      const shift = BigInt(this.tables.pageShift(w.slot));
      const replayed = replayIommu(this.tables, w.slot, (n) => {
        indices.push(Number(n.iova >> shift));
        for (const l of this.listeners) l(n);
      });
      moved.push({ liobn: w.liobn, replayed });
      this.tableMoved?.(w.liobn, w.slot, indices);
    }
    return { first, moved };
  }

  /**
   * QEMU reallocates a kernel table in its own memory (spapr_tce_set_need_vfio): the entries come
   * along, KVM no longer answers for it, and the old table's fd is closed (its locked memory
   * given back).
   */
  moveToUserspace(slot: number): void {
    if (!this.tables.isInKernel(slot)) return;
    this.lock(slot);
    this.tables.moveToUserspace(slot);
    this.unlock(slot);
    kvmReleaseSpaprTce(this.tables, slot, this.kvm.host ?? null);
  }

  /** The device of `group` is unplugged; tables stay where they are. A problem is named. */
  unplugVfio(phb: SpaprPhb, group: number): string | null {
    const at = phb.vfioGroups.indexOf(group);
    if (at < 0) return `no device of group ${group} is plugged into PHB ${phb.config.index}`;
    phb.vfioGroups.splice(at, 1);
    return null;
  }

  /** spapr_tce_replay to every listener: each entry with a permission is notified as a MAP; answers how many. */
  replay(slot: number): number {
    return replayIommu(this.tables, slot, (n) => {
      for (const l of this.listeners) l(n);
    });
  }

  /** Whether the call's LIOBN is a PHB window QEMU has as a table object but disabled (nb_table 0). */
  disabledWindow(f: Int32Array): boolean {
    if (!qemuLiobnValid(u32(f, F_LIOBN_HI))) return false;
    const found = this.findWindow(u32(f, F_LIOBN_LO));
    return found !== null && found.window.slot < 0;
  }

  addListener(listener: IommuListener): void {
    this.listeners.push(listener);
  }

  lock(slot: number): void {
    if (this.idle === null) sleepLock(this.tables.control, this.tables.lockIndex(slot));
    else drainingLock(this.tables.control, this.tables.lockIndex(slot), this.idle);
  }

  unlock(slot: number): void {
    unlock(this.tables.control, this.tables.lockIndex(slot));
  }

  /** A userspace access to a kernel-held table faults its backing page in. */
  touch(slot: number, index: number): void {
    const page = this.tables.pageOf(index);
    if (!this.tables.pageAllocated(slot, page)) this.tables.allocatePage(slot, page);
  }

  readEntry(slot: number, index: number): bigint {
    this.touch(slot, index);
    return toBig(this.tables.entryHi(slot, index), this.tables.entryLo(slot, index));
  }

  /**
   * put_tce_emu's store and notification: the TCE is stored verbatim, then listeners hear MAP
   * when it carries a permission bit, UNMAP otherwise. Caller holds the table lock.
   */
  store(slot: number, index: number, hi: number, lo: number): void {
    this.touch(slot, index);
    // Userspace may wait for log room, so the reservation cannot fail.
    if (!this.tables.reserveWrites(1)) throw new Error('the event log refused a userspace table write');
    this.tables.writeEntry(slot, index, hi, lo);
    this.tables.releaseWrites();
    if (this.listeners.length === 0) return;
    this.notify(slot, index, hi, lo);
  }

  /** Tell the IOMMU listeners about entry `index` now holding (hi, lo). */
  private notify(slot: number, index: number, hi: number, lo: number): void {
    if (this.listeners.length === 0) return;
    const n = iommuNotification(this.tables, slot, index, hi, lo);
    for (const l of this.listeners) l(n);
  }
}
