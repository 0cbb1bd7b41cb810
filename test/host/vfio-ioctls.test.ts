/**
 * Every errno path of the VFIO sPAPR TCE container (reference §4.3), the attach rules (§4.2),
 * MAP_DMA rollback, and release/detach safety (seed 000's review).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EBADF, EBUSY, EFAULT, EINVAL, ENODEV, ENOENT, ENOMEM, ENOSPC, ENOTTY, ENXIO, EPERM, errnoName } from '../../src/host/errno.js';
import { UA_BASE } from '../../src/host/hw-tables.js';
import { vfioIommuDisable, vfioIommuEnable } from '../../src/host/vfio/enable.js';
import { INFO_DDW, vfioIommuSpaprTceGetInfo } from '../../src/host/vfio/get-info.js';
import { vfioGroupSetContainer, vfioGroupUnsetContainer } from '../../src/host/vfio/group.js';
import { vfioIommuMapDma } from '../../src/host/vfio/map-dma.js';
import { vfioIommuSpaprRegisterMemory, vfioIommuSpaprUnregisterMemory } from '../../src/host/vfio/register-memory.js';
import { vfioContainerRelease } from '../../src/host/vfio/release.js';
import { vfioOpenContainer, vfioSetIommu } from '../../src/host/vfio/set-iommu.js';
import { tableBytes, vfioIommuSpaprTceCreate } from '../../src/host/vfio/tce-create.js';
import { vfioIommuSpaprTceRemove } from '../../src/host/vfio/tce-remove.js';
import { vfioIommuUnmapDma } from '../../src/host/vfio/unmap-dma.js';
import type { VfioContainer } from '../../src/host/vfio/container.js';
import type { Host } from '../../src/host/host.js';
import { hostMachine } from './rigs.js';
import { kvmTceTableLockedBytes } from '../../src/userspace/kvm-tce-create.js';

const UA = BigInt(UA_BASE);
const RAM = 0x10000000n;
/** The rigs' machine (realmode) asks KVM for one table at start, the default window's 262,144 TCEs. */
const KVM_TABLE = kvmTceTableLockedBytes(262144, 16);
/** Locked memory VFIO holds: the host's, less what KVM charged for its tables. */
const vfioLocked = (h: Host): number => h.memory.lockedBytes - (h.ioctls.get('KVM_CREATE_SPAPR_TCE_64 OK') ?? 0) * KVM_TABLE;
const is = (got: number, want: number, what = ''): void => assert.is(errnoName(got), errnoName(want === 0 ? 0 : -want), what);

function v2(groups = [{}], host = {}): { h: Host; c: VfioContainer } {
  const m = hostMachine('realmode', groups, host);
  const h = m.host!;
  const c = vfioOpenContainer(h, 'c');
  for (let i = 0; i < groups.length; i++) is(vfioGroupSetContainer(c, i + 1), 0);
  is(vfioSetIommu(c, 'v2'), 0);
  return { h, c };
}

function v1(host = {}, group = {}): { h: Host; c: VfioContainer } {
  const m = hostMachine('realmode', [{ ops: 'legacy', ...group }], host);
  const h = m.host!;
  const c = vfioOpenContainer(h, 'c');
  is(vfioGroupSetContainer(c, 1), 0);
  is(vfioSetIommu(c, 'v1'), 0);
  return { h, c };
}

const map = (c: VfioContainer, iova: bigint, gpa: bigint, size = 0x1000n, read = true, write = true): number =>
  vfioIommuMapDma(c, { vaddr: UA + gpa, iova, size, read, write });

test('ioctls before VFIO_SET_IOMMU are ENOTTY; after close EBADF', () => {
  const m = hostMachine('realmode', [{}]);
  const c = vfioOpenContainer(m.host!, 'c');
  is(map(c, 0n, 0n), ENOTTY);
  is(vfioIommuSpaprTceGetInfo(c).ret, ENOTTY);
  is(vfioIommuEnable(c), ENOTTY);
  is(vfioContainerRelease(c), 0);
  is(vfioSetIommu(c, 'v2'), EBADF);
  is(vfioContainerRelease(c), EBADF);
});

test('GET_INFO: ENXIO without a group; v2 on a DDW group adds the DDW block', () => {
  const m = hostMachine('realmode', [{}]);
  const c = vfioOpenContainer(m.host!, 'c');
  is(vfioSetIommu(c, 'v2'), 0);
  is(vfioIommuSpaprTceGetInfo(c).ret, ENXIO);
  is(vfioGroupSetContainer(c, 1), 0);
  const r = vfioIommuSpaprTceGetInfo(c);
  is(r.ret, 0);
  assert.equal(r.info, { dma32WindowStart: 0n, dma32WindowSize: 0x80000000n, flags: INFO_DDW, pageSizes: 0x1011000n, maxWindows: 2, levels: 5 });
  const { c: c1 } = v1();
  assert.equal(vfioIommuSpaprTceGetInfo(c1).info, { dma32WindowStart: 0n, dma32WindowSize: 0x80000000n, flags: 0 });
});

test('attach rules: legacy needs v1, DDW needs v2 (EPERM); a legacy group cannot join (EBUSY); twice EBUSY; host busy EBUSY; unknown EBADF', () => {
  const m = hostMachine('realmode', [{ ops: 'legacy' }, {}, {}, { hostBusy: true }, { ops: 'legacy', hostBusy: true }]);
  const h = m.host!;
  const a = vfioOpenContainer(h, 'a');
  is(vfioSetIommu(a, 'v2'), 0);
  is(vfioGroupSetContainer(a, 1), EPERM, 'legacy group in v2');
  is(vfioGroupSetContainer(a, 2), 0);
  is(vfioGroupSetContainer(a, 2), EINVAL, 'already in a container (VFIO core)');
  is(vfioGroupSetContainer(a, 3), 0, 'two DDW groups share a v2 container');
  is(vfioGroupSetContainer(a, 4), EBUSY, 'host still maps DMA');
  is(vfioGroupSetContainer(a, 9), EBADF);
  const b = vfioOpenContainer(h, 'b');
  is(vfioSetIommu(b, 'v1'), 0);
  is(vfioGroupSetContainer(b, 5), EBUSY, 'legacy, host busy');
  is(vfioGroupSetContainer(b, 1), 0);
  const d = vfioOpenContainer(h, 'd');
  is(vfioGroupSetContainer(d, 4), 0, 'joining without a driver checks nothing yet');
  is(vfioSetIommu(d, 'v2'), EBUSY, 'the driver attaches members at SET_IOMMU');
  is(vfioSetIommu(d, 'v2'), EBUSY, 'and may be tried again');
  const e = vfioOpenContainer(h, 'e');
  is(vfioGroupUnsetContainer(d, 4), 0);
  is(vfioSetIommu(e, 'v1'), 0);
  is(vfioGroupSetContainer(e, 4), EPERM, 'DDW group in v1');
  is(vfioSetIommu(e, 'v1'), EINVAL, 'SET_IOMMU twice');
});

test('a legacy group cannot share a v1 container; groups of different platform ops cannot share one (EPERM)', () => {
  const m = hostMachine('realmode', [{ ops: 'legacy' }, { ops: 'legacy' }]);
  const c = vfioOpenContainer(m.host!, 'c');
  is(vfioSetIommu(c, 'v1'), 0);
  is(vfioGroupSetContainer(c, 1), 0);
  is(vfioGroupSetContainer(c, 2), EBUSY);
});

test('ENABLE/DISABLE (v1): EBUSY twice, ENODEV without a group, EPERM for an empty 32-bit window, ENOMEM over the limit; v2 ENOTTY', () => {
  const { h, c } = v1();
  is(vfioIommuDisable(c), 0, 'DISABLE before ENABLE');
  is(vfioIommuEnable(c), 0);
  assert.is(vfioLocked(h), 0x80000000);
  is(vfioIommuEnable(c), EBUSY);
  is(vfioIommuDisable(c), 0);
  assert.is(vfioLocked(h), 0);
  const m = hostMachine('realmode', [{ ops: 'legacy' }]);
  const lone = vfioOpenContainer(m.host!, 'x');
  is(vfioSetIommu(lone, 'v1'), 0);
  is(vfioIommuEnable(lone), ENODEV);
  is(vfioIommuEnable(v1({}, { tce32Size: 0n }).c), EPERM);
  const tight = v1({ lockedLimit: 0x10000000 });
  is(vfioIommuEnable(tight.c), ENOMEM);
  assert.is(vfioLocked(tight.h), 0);
  is(vfioIommuEnable(v2().c), ENOTTY);
  is(vfioIommuDisable(v2().c), ENOTTY);
});

test('REGISTER/UNREGISTER (v2): ENOTTY on v1, EINVAL flags/alignment/overlap, EBUSY twice, EFAULT outside RAM, ENOMEM, EPERM before any mm, ENOENT, EBUSY while mapped', () => {
  is(vfioIommuSpaprRegisterMemory(v1().c, { vaddr: UA, size: RAM }), ENOTTY);
  const { h, c } = v2();
  is(vfioIommuSpaprUnregisterMemory(c, { vaddr: UA, size: RAM }), EPERM, 'no mm bound yet');
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA, size: RAM, flags: 1 }), EINVAL);
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA + 0x1000n, size: RAM }), EINVAL, 'vaddr not page aligned (64 KiB)');
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA + RAM, size: 0x10000n }), EFAULT, 'not guest RAM');
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA, size: 0x100000n }), 0);
  assert.is(h.memory.pinnedPages, 16);
  assert.is(vfioLocked(h), 0x100000);
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA, size: 0x100000n }), EBUSY, 'same container twice');
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA + 0x80000n, size: 0x100000n }), EINVAL, 'overlap');
  const other = vfioOpenContainer(h, 'o');
  assert.ok(other);
  is(vfioIommuSpaprUnregisterMemory(c, { vaddr: UA, size: 0x80000n }), ENOENT, 'not exactly a region');
  is(vfioIommuSpaprTceCreate(c, { pageShift: 12, windowSize: 0x40000000n, levels: 1 }).ret, 0);
  is(map(c, 0x1000n, 0x2000n), 0);
  is(vfioIommuSpaprUnregisterMemory(c, { vaddr: UA, size: 0x100000n }), EBUSY, 'still mapped');
  is(vfioIommuUnmapDma(c, { iova: 0x1000n, size: 0x1000n }), 0);
  is(vfioIommuSpaprUnregisterMemory(c, { vaddr: UA, size: 0x100000n }), 0);
  assert.is(h.memory.pinnedPages, 0);
  is(vfioIommuSpaprRegisterMemory(v2([{}], { lockedLimit: 0x10000 }).c, { vaddr: UA, size: 0x20000n }), ENOMEM);
});

test('an exact duplicate region from another container is shared; the last user unpins', () => {
  const m = hostMachine('realmode', [{}, {}]);
  const h = m.host!;
  const a = vfioOpenContainer(h, 'a');
  const b = vfioOpenContainer(h, 'b');
  is(vfioGroupSetContainer(a, 1), 0);
  is(vfioGroupSetContainer(b, 2), 0);
  is(vfioSetIommu(a, 'v2'), 0);
  is(vfioSetIommu(b, 'v2'), 0);
  is(vfioIommuSpaprRegisterMemory(a, { vaddr: UA, size: 0x100000n }), 0);
  is(vfioIommuSpaprRegisterMemory(b, { vaddr: UA, size: 0x100000n }), 0);
  assert.is(h.memory.pinnedPages, 16);
  assert.is(h.prereg.count, 1);
  is(vfioContainerRelease(a), 0);
  assert.is(h.memory.pinnedPages, 16);
  is(vfioContainerRelease(b), 0);
  assert.is(h.memory.pinnedPages, 0);
  assert.is(vfioLocked(h), 0);
});

test('MAP_DMA: EPERM not enabled, EINVAL flags, the pending default window, ENXIO, EINVAL alignment/no direction/outside', () => {
  const { h, c } = v2();
  is(map(c, 0n, 0n), EPERM, 'v2 without registered memory');
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA, size: RAM }), 0);
  is(vfioIommuMapDma(c, { vaddr: UA, iova: 0n, size: 0x1000n, read: true, write: false, otherFlags: 4 }), EINVAL);
  is(map(c, 0x1000n, 0x2000n), 0, 'creates the default window: 4 KiB pages over the 32-bit window');
  assert.is(c.defWindowPending, false);
  is(map(c, 0x80000000n, 0n), ENXIO);
  is(vfioIommuMapDma(c, { vaddr: UA + 0x800n, iova: 0x2000n, size: 0x1000n, read: true, write: false }), EINVAL, 'vaddr');
  is(vfioIommuMapDma(c, { vaddr: UA, iova: 0x2000n, size: 0x800n, read: true, write: false }), EINVAL, 'size');
  is(vfioIommuMapDma(c, { vaddr: UA, iova: 0x2000n, size: 0x1000n, read: false, write: false }), EINVAL, 'no direction');
  is(vfioIommuMapDma(c, { vaddr: UA, iova: 0x2800n, size: 0x1000n, read: true, write: false }), EINVAL, 'iova');
  is(vfioIommuMapDma(c, { vaddr: UA, iova: 0x7ffff000n, size: 0x2000n, read: true, write: false }), EINVAL, 'runs past the window');
  is(map(c, 0x3000n, RAM), EINVAL, 'v2: not preregistered');
  assert.is(h.tables.hwEntryLo(c.tables[0]!, 1), (h.tables.hw.hpaBase + 0x2000) % 2 ** 32 | 3);
  is(vfioIommuMapDma(c, { vaddr: UA + 0x4000n, iova: 0x5000n, size: 0x1000n, read: true, write: false }), 0);
  assert.is(h.tables.hwEntryLo(c.tables[0]!, 5) & 3, 1, 'read only');
});

test('MAP_DMA rollback: a failure part-way clears every entry the call wrote (v1 pins released, v2 mappings dropped)', () => {
  const { h, c } = v1();
  is(vfioIommuEnable(c), 0);
  is(map(c, 0x0n, RAM - 0x2000n, 0x4000n), EFAULT, 'the third page is outside guest RAM');
  assert.is(h.memory.pinnedPages, 0);
  for (let e = 0; e < 4; e++) assert.is(h.tables.hwEntryLo(c.tables[0]!, e), 0);
  const r2 = v2();
  is(vfioIommuSpaprRegisterMemory(r2.c, { vaddr: UA, size: 0x10000n }), 0);
  is(map(r2.c, 0xe000n, 0xe000n, 0x4000n), EINVAL, 'runs out of the region after two pages');
  for (let e = 0xe; e < 0x12; e++) assert.is(r2.h.tables.hwEntryLo(r2.c.tables[0]!, e), 0);
  const region = r2.h.prereg.exact(UA_BASE, 0x10000);
  assert.is(r2.h.tables.hw.regionMapped(region), 0);
});

test('v2 quirk: a region being unregistered stops the map with no error and nothing rolled back', () => {
  const { h, c } = v2();
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA, size: 0x10000n }), 0);
  is(vfioIommuSpaprRegisterMemory(c, { vaddr: UA + 0x10000n, size: 0x10000n }), 0);
  const a = h.prereg.exact(UA_BASE, 0x10000);
  const b = h.prereg.exact(UA_BASE + 0x10000, 0x10000);
  h.tables.hw.beginUnregister(b); // another thread is unregistering it
  is(map(c, 0xf000n, 0xf000n, 0x2000n), 0, 'answers 0');
  const hw = c.tables[0]!;
  assert.is(h.tables.hwEntryLo(hw, 0xf), (h.tables.hw.hpaBase + 0xf000) % 2 ** 32 | 3, 'the first page stays mapped');
  assert.is(h.tables.hwEntryLo(hw, 0x10), 0, 'the second was never mapped');
  assert.equal([h.tables.hw.regionMapped(a), h.tables.hw.regionMapped(b)], [1, 0]);
});

test('v1: an IOMMU page larger than the pinned host page is EPERM; replacing a mapping releases the old pin', () => {
  const { h, c } = v1({ ramBackingShift: 12 });
  is(vfioIommuEnable(c), 0);
  is(map(c, 0x1000n, 0x2000n), 0);
  is(map(c, 0x1000n, 0x30000n), 0);
  assert.is(h.memory.pinnedPages, 1);
  assert.is(h.memory.pinCount(h.tables.hw.hpaBase + 0x30000), 1);
  assert.is(h.memory.pinCount(h.tables.hw.hpaBase + 0x2000), 0);
  const m = hostMachine('realmode', [{}], { ramBackingShift: 12 });
  const c2 = vfioOpenContainer(m.host!, 'c');
  is(vfioGroupSetContainer(c2, 1), 0);
  is(vfioSetIommu(c2, 'v2'), 0);
  is(vfioIommuSpaprRegisterMemory(c2, { vaddr: UA, size: 0x100000n }), 0);
  is(vfioIommuSpaprTceRemove(c2, 0n), 0);
  is(vfioIommuSpaprTceCreate(c2, { pageShift: 16, windowSize: 0x40000000n, levels: 1 }).ret, 0);
  is(map(c2, 0x10000n, 0x10000n, 0x10000n), EINVAL, 'v2: 64 KiB page over a region of 4 KiB pages');
});

test('UNMAP_DMA: EPERM, EINVAL flags/size/iova, ENXIO; clears and returns 0', () => {
  const { h, c } = v1();
  is(vfioIommuUnmapDma(c, { iova: 0n, size: 0x1000n }), EPERM);
  is(vfioIommuEnable(c), 0);
  is(vfioIommuUnmapDma(c, { iova: 0n, size: 0x1000n, flags: 1 }), EINVAL);
  is(vfioIommuUnmapDma(c, { iova: 0x80000000n, size: 0x1000n }), ENXIO);
  is(vfioIommuUnmapDma(c, { iova: 0n, size: 0x800n }), EINVAL);
  is(vfioIommuUnmapDma(c, { iova: 0x800n, size: 0x1000n }), EINVAL);
  is(map(c, 0n, 0n, 0x3000n), 0);
  assert.is(h.memory.pinnedPages, 3);
  is(vfioIommuUnmapDma(c, { iova: 0n, size: 0x10000n }), 0);
  assert.is(h.memory.pinnedPages, 0);
});

test('TCE_CREATE/REMOVE (v2): ENOTTY v1, ENXIO no group, EINVAL flags/page size/levels/size, ENOSPC, ENOMEM; bus addresses; REMOVE EINVAL; pending default cancelled', () => {
  is(vfioIommuSpaprTceCreate(v1().c, { pageShift: 12, windowSize: 0x40000000n, levels: 1 }).ret, ENOTTY);
  const m = hostMachine('realmode', [{}]);
  const lone = vfioOpenContainer(m.host!, 'x');
  is(vfioSetIommu(lone, 'v2'), 0);
  is(vfioIommuSpaprTceCreate(lone, { pageShift: 12, windowSize: 0x40000000n, levels: 1 }).ret, ENXIO);
  is(vfioIommuSpaprTceRemove(lone, 0n), ENXIO);
  const { h, c } = v2();
  is(vfioIommuSpaprTceCreate(c, { pageShift: 12, windowSize: 0x40000000n, levels: 1, flags: 1 }).ret, EINVAL);
  is(vfioIommuSpaprTceRemove(c, 0n), 0, 'cancels the pending default window');
  assert.is(c.defWindowPending, false);
  is(vfioIommuSpaprTceCreate(c, { pageShift: 13, windowSize: 0x40000000n, levels: 1 }).ret, EINVAL, 'page size not supported');
  is(vfioIommuSpaprTceCreate(c, { pageShift: 12, windowSize: 0x40000000n, levels: 6 }).ret, EINVAL, 'levels');
  is(vfioIommuSpaprTceCreate(c, { pageShift: 12, windowSize: 0x30000000n, levels: 1 }).ret, EINVAL, 'not a power of 2');
  const w0 = vfioIommuSpaprTceCreate(c, { pageShift: 12, windowSize: 0x40000000n, levels: 1 });
  assert.equal([w0.ret, w0.startAddr], [0, 0n]);
  const locked = vfioLocked(h);
  assert.is(locked, tableBytes(12, 0x40000000n, 1, 5, 16));
  const w1 = vfioIommuSpaprTceCreate(c, { pageShift: 16, windowSize: 0x40000000n, levels: 2 });
  assert.equal([w1.ret, w1.startAddr], [0, 1n << 59n]);
  is(vfioIommuSpaprTceCreate(c, { pageShift: 16, windowSize: 0x40000000n, levels: 1 }).ret, ENOSPC);
  is(vfioIommuSpaprTceRemove(c, 0x1000n), EINVAL);
  is(vfioIommuSpaprTceRemove(c, 1n << 59n), 0);
  is(vfioIommuSpaprTceRemove(c, 0n), 0);
  assert.is(vfioLocked(h), 0);
  const tight = v2([{}], { lockedLimit: 0x1000 });
  is(vfioIommuSpaprTceRemove(tight.c, 0n), 0);
  is(vfioIommuSpaprTceCreate(tight.c, { pageShift: 12, windowSize: 0x40000000n, levels: 1 }).ret, ENOMEM);
});

test('release: safe without a group, detach twice is EINVAL and harmless, every pin released once', () => {
  const m = hostMachine('realmode', [{ ops: 'legacy' }]);
  const h = m.host!;
  is(vfioContainerRelease(vfioOpenContainer(h, 'empty')), 0);
  const c = vfioOpenContainer(h, 'c');
  is(vfioGroupSetContainer(c, 1), 0);
  is(vfioSetIommu(c, 'v1'), 0);
  is(vfioIommuEnable(c), 0);
  is(map(c, 0n, 0n, 0x4000n), 0);
  assert.is(h.memory.pinnedPages, 4);
  is(vfioGroupUnsetContainer(c, 1), 0);
  assert.is(h.memory.pinnedPages, 0, 'detach clears the table and unpins');
  assert.is(vfioLocked(h), 0, 'the last group out releases the driver');
  is(vfioGroupUnsetContainer(c, 1), EINVAL);
  is(vfioContainerRelease(c), 0);
  assert.is(h.memory.pinnedPages, 0);
  assert.is(h.memory.pinsTaken, h.memory.pinsReleased);
});

test.run();
