/**
 * The KVM-VFIO device: group add/del, set-spapr-tce with the compatibility rules (reference
 * §3.8), reference counting, and the KVM tiers writing through the link.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EBADF, EEXIST, EINVAL, ENOENT, errnoName } from '../../src/host/errno.js';
import { UA_BASE } from '../../src/host/hw-tables.js';
import { KvmVfioDevice } from '../../src/host/kvm-vfio.js';
import { vfioGroupSetContainer } from '../../src/host/vfio/group.js';
import { vfioIommuSpaprRegisterMemory } from '../../src/host/vfio/register-memory.js';
import { vfioOpenContainer, vfioSetIommu } from '../../src/host/vfio/set-iommu.js';
import { vfioIommuSpaprTceCreate } from '../../src/host/vfio/tce-create.js';
import { vfioIommuSpaprTceRemove } from '../../src/host/vfio/tce-remove.js';
import { machine, pathOf, put } from '../machines.js';
import { defaultHostConfig } from '../../src/host/host-config.js';
import { defaultGroupConfig } from '../../src/host/iommu-group.js';

const is = (got: number, want: number, what = ''): void => assert.is(errnoName(got), errnoName(want === 0 ? 0 : -want), what);

/** Guest window 0x80000000 of `pageShift` pages; a v2 container of group 1 with one window. */
function rig(guestShift: number, hw: { pageShift: number; windowSize: bigint }) {
  const m = machine('realmode', {
    tables: [{ liobn: 0x80000000, busOffset: 0n, pageShift: guestShift, entries: Number(0x40000000n >> BigInt(guestShift)), userspaceOnly: false },
      { liobn: 0x80000001, busOffset: 0n, pageShift: 12, entries: 16, userspaceOnly: true }],
    passthrough: { host: defaultHostConfig(), groups: [defaultGroupConfig(1, 0), defaultGroupConfig(2, 0)], devices: [] },
  });
  const h = m.host!;
  const c = vfioOpenContainer(h, 'c');
  is(vfioGroupSetContainer(c, 1), 0);
  is(vfioSetIommu(c, 'v2'), 0);
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: BigInt(UA_BASE), size: 0x10000000n }), 0);
  is(vfioIommuSpaprTceRemove(c, 0n), 0);
  is(vfioIommuSpaprTceCreate(c, { ...hw, levels: 1 }).ret, 0);
  return { m, h, c, kvm: new KvmVfioDevice(h) };
}

test('group add/del: EBADF unknown, EEXIST twice, ENOENT deleting a group not added', () => {
  const { kvm } = rig(12, { pageShift: 12, windowSize: 0x40000000n });
  is(kvm.kvmVfioGroupAdd(7), EBADF);
  is(kvm.kvmVfioGroupAdd(1), 0);
  is(kvm.kvmVfioGroupAdd(1), EEXIST);
  is(kvm.kvmVfioGroupDel(2), ENOENT);
  is(kvm.kvmVfioGroupDel(1), 0);
  is(kvm.kvmVfioGroupDel(1), ENOENT);
});

test('set-spapr-tce: ENOENT for a group not added, EBADF without a kernel table, EINVAL without a compatible table', () => {
  const { kvm } = rig(12, { pageShift: 12, windowSize: 0x40000000n });
  is(kvm.kvmVfioGroupSetSpaprTce(1, 0x80000000), ENOENT);
  is(kvm.kvmVfioGroupAdd(1), 0);
  is(kvm.kvmVfioGroupSetSpaprTce(1, 0x80000001), EBADF, 'userspace-only table: no fd');
  is(kvm.kvmVfioGroupSetSpaprTce(1, 0x80000009), EBADF);
  is(kvm.kvmVfioGroupAdd(2), 0);
  is(kvm.kvmVfioGroupSetSpaprTce(2, 0x80000000), EINVAL, 'group 2 has no tables');
  is(kvm.kvmVfioGroupSetSpaprTce(1, 0x80000000), 0);
});

test('compatibility: hardware page > guest page, smaller window, other bus start are EINVAL', () => {
  const big = rig(12, { pageShift: 16, windowSize: 0x40000000n });
  is(big.kvm.kvmVfioGroupAdd(1), 0);
  is(big.kvm.kvmVfioGroupSetSpaprTce(1, 0x80000000), EINVAL, 'hardware page larger');
  const small = rig(12, { pageShift: 12, windowSize: 0x20000000n });
  is(small.kvm.kvmVfioGroupAdd(1), 0);
  is(small.kvm.kvmVfioGroupSetSpaprTce(1, 0x80000000), EINVAL, 'hardware window smaller');
  const sub = rig(16, { pageShift: 12, windowSize: 0x40000000n });
  is(sub.kvm.kvmVfioGroupAdd(1), 0);
  is(sub.kvm.kvmVfioGroupSetSpaprTce(1, 0x80000000), 0, '4 KiB hardware pages under 64 KiB guest pages');
  const other = rig(12, { pageShift: 12, windowSize: 0x40000000n });
  is(vfioIommuSpaprTceCreate(other.c, { pageShift: 12, windowSize: 0x40000000n, levels: 1 }).ret, 0);
  is(vfioIommuSpaprTceRemove(other.c, 0n), 0);
  is(other.kvm.kvmVfioGroupAdd(1), 0);
  is(other.kvm.kvmVfioGroupSetSpaprTce(1, 0x80000000), EINVAL, 'only a window at 1 << 59 left');
});

test('links are reference counted: set twice needs two deletes... of the group; the tiers write through while linked', () => {
  const { m, c, kvm } = rig(12, { pageShift: 12, windowSize: 0x40000000n });
  const t = m.tables;
  const slot = t.findTable(0x80000000);
  is(kvm.kvmVfioGroupAdd(1), 0);
  is(kvm.kvmVfioGroupSetSpaprTce(1, 0x80000000), 0);
  is(kvm.kvmVfioGroupSetSpaprTce(1, 0x80000000), 0);
  assert.equal(kvm.linkList().map((l) => l.refs), [2]);
  assert.is(t.attachedHw(slot, 0), c.tables[0]);
  assert.is(pathOf(put(m, 0x1000n, 0x2003n)), 'realmode: page-not-allocated > virtmode');
  assert.is(t.hwEntryLo(c.tables[0]!, 1), (t.hw.hpaBase + 0x2000) % 2 ** 32 | 3);
  is(kvm.kvmVfioGroupDel(1), 0);
  assert.equal(kvm.linkList().map((l) => l.refs), [1]);
  is(kvm.kvmVfioGroupAdd(1), 0);
  is(kvm.kvmVfioGroupDel(1), 0);
  assert.is(kvm.linkList().length, 0);
  assert.is(t.attachedHw(slot, 0), -1);
  assert.is(pathOf(put(m, 0x2000n, 0x3003n)), 'realmode');
  assert.is(t.hwEntryLo(c.tables[0]!, 2), 0, 'unlinked: the kernel writes the guest view only');
});

test.run();
