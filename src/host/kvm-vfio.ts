/**
 * The KVM-VFIO device (virt/kvm/vfio.c with arch/powerpc/kvm/book3s_64_vio.c): groups are added
 * and deleted; KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE links a LIOBN's kernel table to a compatible
 * hardware table of the group (hardware page ≤ guest page, same bus start, hardware window ≥
 * guest window), reference counted; after that the KVM tiers write through to it
 * (src/kvm/hardware.ts). There is no unset: deleting the group drops one reference per
 * matching table. Runs in: the main thread.
 */
import { MAX_HW_PER_TABLE } from '../shared-memory/layout.js';
import { EBADF, EEXIST, EINVAL, ENOENT, ENOMEM } from './errno.js';
import type { Host } from './host.js';

interface Link {
  slot: number;
  hw: number;
  refs: number;
}

export class KvmVfioDevice {
  private readonly added = new Set<number>();
  private readonly links: Link[] = [];

  constructor(readonly host: Host) {}

  /** KVM_DEV_VFIO_GROUP_ADD */
  kvmVfioGroupAdd(groupId: number): number {
    let ret = 0;
    if (!this.host.groups.has(groupId)) ret = -EBADF;
    else if (this.added.has(groupId)) ret = -EEXIST;
    else this.added.add(groupId);
    return this.host.done('KVM_GROUP_ADD', ret, groupId);
  }

  /** KVM_DEV_VFIO_GROUP_DEL: drops one link reference per table of the group. */
  kvmVfioGroupDel(groupId: number): number {
    const g = this.host.groups.get(groupId);
    if (g === undefined) return this.host.done('KVM_GROUP_DEL', -EBADF, groupId);
    if (!this.added.delete(groupId)) return this.host.done('KVM_GROUP_DEL', -ENOENT, groupId);
    for (const hw of g.tables()) {
      for (let i = this.links.length - 1; i >= 0; i--) {
        const l = this.links[i]!;
        if (l.hw === hw) this.put(i);
      }
    }
    return this.host.done('KVM_GROUP_DEL', 0, groupId);
  }

  /** KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE {groupfd, tablefd}: the table named by its LIOBN. */
  kvmVfioGroupSetSpaprTce(groupId: number, liobn: number): number {
    return this.host.done('KVM_SET_SPAPR_TCE', this.setSpaprTce(groupId, liobn), groupId);
  }

  private setSpaprTce(groupId: number, liobn: number): number {
    const g = this.host.groups.get(groupId);
    if (g === undefined) return -EBADF;
    if (!this.added.has(groupId)) return -ENOENT;
    const t = this.host.tables;
    // No kernel table for the LIOBN: QEMU has no table fd to pass.
    const slot = t.findKernelTable(0, liobn | 0);
    if (slot < 0) return -EBADF;
    const guestShift = t.pageShift(slot);
    const guestBus = t.geometry(slot).busOffset;
    const guestBytes = BigInt(t.entries(slot)) << BigInt(guestShift);
    let hw = -1;
    for (const cand of g.tables()) {
      const shift = t.hwPageShift(cand);
      if (shift <= guestShift && t.hwBusOffset(cand) === guestBus && BigInt(t.hwEntries(cand)) << BigInt(shift) >= guestBytes) { hw = cand; break; }
    }
    if (hw < 0) return -EINVAL;
    const known = this.links.find((l) => l.slot === slot && l.hw === hw);
    if (known !== undefined) {
      known.refs++;
      return 0;
    }
    let used = 0;
    while (used < MAX_HW_PER_TABLE && t.attachedHw(slot, used) >= 0) used++;
    if (used === MAX_HW_PER_TABLE) return -ENOMEM;
    t.attachHwTable(slot, hw);
    this.host.hwGet(hw);
    this.links.push({ slot, hw, refs: 1 });
    return 0;
  }

  private put(i: number): void {
    const l = this.links[i]!;
    if (--l.refs > 0) return;
    this.links.splice(i, 1);
    this.host.tables.detachHwTable(l.slot, l.hw);
    this.host.hwPut(l.hw);
  }

  /** Whether the group was added (KVM_DEV_VFIO_GROUP_ADD) and not deleted since. */
  hasGroup(groupId: number): boolean {
    return this.added.has(groupId);
  }

  /** Links (LIOBN slot, hardware table, references), for tests and the report. */
  linkList(): ReadonlyArray<Readonly<Link>> {
    return this.links;
  }
}
