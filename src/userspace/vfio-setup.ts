/**
 * What QEMU does to pass a device's IOMMU group through (hw/vfio/common.c, hw/vfio/spapr.c):
 * open a container, put the group in it, set the sPAPR TCE IOMMU (v1 or v2); v1 enables the
 * container and uses the host's single 32-bit window; v2 preregisters all guest RAM, reads
 * GET_INFO, removes the host's default window and creates one host window per guest window
 * (same bus start, host page ≤ guest page). Each window's notifications then go to the
 * container (src/userspace/vfio-listener.ts), with a replay of what is already mapped, and
 * with the KVM link every group of the container is attached to the window's kernel table.
 * Runs in: userspace (the main thread).
 */
import type { Host } from '../host/host.js';
import type { KvmVfioDevice } from '../host/kvm-vfio.js';
import { vfioIommuSpaprTceGetInfo } from '../host/vfio/get-info.js';
import { vfioIommuEnable } from '../host/vfio/enable.js';
import { vfioGroupSetContainer } from '../host/vfio/group.js';
import { vfioIommuSpaprRegisterMemory } from '../host/vfio/register-memory.js';
import { vfioOpenContainer, vfioSetIommu } from '../host/vfio/set-iommu.js';
import { vfioIommuSpaprTceCreate } from '../host/vfio/tce-create.js';
import { vfioIommuSpaprTceRemove } from '../host/vfio/tce-remove.js';
import type { VfioContainer } from '../host/vfio/container.js';
import { errnoName } from '../host/errno.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import { replayIommu } from './iommu-listener.js';
import type { SpaprIommu } from './spapr-iommu.js';
import { VfioIommuListener } from './vfio-listener.js';

export interface PassthroughPlan {
  /** The IOMMU group of the passed-through device. */
  group: number;
  container: 'v1' | 'v2';
  /** v2: preregister all guest RAM (QEMU always does; false models a broken setup). */
  preregister: boolean;
  /**
   * Link the windows' kernel tables to the group (KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE). Without it
   * (a KVM without KVM_CAP_SPAPR_TCE_VFIO) QEMU moves the windows' tables to userspace.
   */
  kvmLink: boolean;
  /** Guest windows (LIOBNs) the device does DMA through. */
  liobns: number[];
}

export interface Passthrough {
  container: VfioContainer;
  listener: VfioIommuListener;
}

/**
 * A setup step that failed, as QEMU would report it: fatal to the machine's start, so a run
 * refuses its machine in one line (a RangeError, as other bad run options).
 */
class PassthroughError extends RangeError {}

function must(what: string, ret: number): void {
  if (ret !== 0) throw new PassthroughError(`passed-through device: ${what} failed: ${errnoName(ret)}`);
}

/** A message naming the device's group, whatever fails while setting it up. */
function inGroup<T>(group: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PassthroughError) throw new PassthroughError(e.message.replace('passed-through device: ', `passed-through device: group ${group}: `));
    throw e;
  }
}

export function setUpPassthrough(tables: TceTables, qemu: SpaprIommu, host: Host, kvm: KvmVfioDevice, plan: PassthroughPlan): Passthrough {
  return inGroup(plan.group, () => setUp(tables, qemu, host, kvm, plan));
}

function setUp(tables: TceTables, qemu: SpaprIommu, host: Host, kvm: KvmVfioDevice, plan: PassthroughPlan): Passthrough {
  const c = vfioOpenContainer(host, `container-${plan.group}`);
  must('VFIO_GROUP_SET_CONTAINER', vfioGroupSetContainer(c, plan.group));
  must(`VFIO_SET_IOMMU ${plan.container}`, vfioSetIommu(c, plan.container));
  if (plan.container === 'v1') {
    must('VFIO_IOMMU_ENABLE', vfioIommuEnable(c));
  } else {
    if (plan.preregister) {
      must('VFIO_IOMMU_SPAPR_REGISTER_MEMORY', vfioIommuSpaprRegisterMemory(c, { vaddr: BigInt(host.config.ramUserAddr), size: BigInt(tables.ram.slotBytes) }));
    }
    const info = vfioIommuSpaprTceGetInfo(c);
    must('VFIO_IOMMU_SPAPR_TCE_GET_INFO', info.ret);
    must('VFIO_IOMMU_SPAPR_TCE_REMOVE (host default window)', vfioIommuSpaprTceRemove(c, info.info!.dma32WindowStart));
  }
  const listener = new VfioIommuListener(c, tables);
  qemu.addListener(listener.listener);
  for (const liobn of plan.liobns) {
    const slot = tables.findTable(liobn);
    if (slot < 0) throw new PassthroughError(`passed-through device: no guest window with liobn 0x${(liobn >>> 0).toString(16)}`);
    const g = tables.geometry(slot);
    const bytes = BigInt(g.entries) << BigInt(g.pageShift);
    if (plan.container === 'v2') createHostWindow(c, host, g.pageShift, g.busOffset, bytes, tables.hostPageShift);
    else checkInsideHostWindow(c, g.busOffset, bytes);
    listener.watch(liobn);
    replayIommu(tables, slot, listener.listener);
    // Without the KVM link (no KVM_CAP_SPAPR_TCE_VFIO) QEMU must see every map: it takes the
    // window's table out of the kernel, so every TCE hcall on it exits to QEMU.
    if (!plan.kvmLink && g.inKernel) qemu.moveToUserspace(slot);
    if (plan.kvmLink && g.inKernel) {
      if (!kvm.hasGroup(plan.group)) must('KVM_DEV_VFIO_GROUP_ADD', kvm.kvmVfioGroupAdd(plan.group));
      must(`KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE liobn 0x${(liobn >>> 0).toString(16)}`, kvm.kvmVfioGroupSetSpaprTce(plan.group, liobn));
    }
  }
  return { container: c, listener };
}

/** vfio_spapr_create_window: host page = the largest supported size ≤ min(guest page, RAM backing page). */
function createHostWindow(c: VfioContainer, host: Host, guestShift: number, bus: bigint, bytes: bigint, sysPageShift: number): void {
  const g = c.attached[0]!;
  const limit = Math.min(guestShift, host.config.ramBackingShift);
  let shift = -1;
  for (let s = limit; s >= 12; s--) if ((g.config.pageSizes & (1n << BigInt(s))) !== 0n) { shift = s; break; }
  if (shift < 0) throw new PassthroughError(`passed-through device: no host IOMMU page size fits a ${2 ** guestShift}-byte guest page`);
  const entries = bytes >> BigInt(shift);
  const bits = (entries * 8n).toString(2).length - 1;
  let levels = Math.max(1, Math.ceil(bits / (sysPageShift + 8)));
  for (;;) {
    const r = vfioIommuSpaprTceCreate(c, { pageShift: shift, windowSize: bytes, levels });
    if (r.ret === 0) {
      if (r.startAddr !== bus) {
        vfioIommuSpaprTceRemove(c, r.startAddr!);
        throw new PassthroughError(`passed-through device: host window at 0x${r.startAddr!.toString(16)} does not match the guest window at 0x${bus.toString(16)} (EINVAL)`);
      }
      return;
    }
    if (levels >= Math.min(g.config.maxLevels, Math.floor((64 - shift) / sysPageShift))) must('VFIO_IOMMU_SPAPR_TCE_CREATE', r.ret);
    levels++;
  }
}

/** v1: a guest window outside the single host window is refused. */
function checkInsideHostWindow(c: VfioContainer, bus: bigint, bytes: bigint): void {
  const g = c.attached[0]!;
  if (bus < g.config.tce32Start || bus + bytes > g.config.tce32Start + g.config.tce32Size) {
    throw new PassthroughError(`passed-through device: guest window 0x${bus.toString(16)}+0x${bytes.toString(16)} is outside the v1 host window`);
  }
}
