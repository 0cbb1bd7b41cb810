/**
 * QEMU's IOMMU notifier interface (src/userspace/iommu-listener.ts): what a store announces,
 * what a replay announces (and that reading a kernel table faults its pages in), and the VFIO
 * listener's forwarding of MAP/UNMAP to a container.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayIommu, type IommuNotification } from '../../src/userspace/iommu-listener.js';
import { machine, put } from '../machines.js';
import { hwEntries, vfioMachine, windowHw } from '../host/rigs.js';

test('a store announces MAP with the page, mask and permission, or UNMAP', () => {
  const m = machine('userspace');
  const heard: IommuNotification[] = [];
  m.qemu.addListener((n) => heard.push(n));
  put(m, 0x3000n, 0x7002n);
  put(m, 0x3000n, 0n);
  assert.equal(heard, [
    { liobn: 0x80000000, iova: 0x3000n, translatedAddr: 0x7000n, addrMask: 0xfffn, perm: 2, type: 'MAP' },
    { liobn: 0x80000000, iova: 0x3000n, translatedAddr: 0n, addrMask: 0xfffn, perm: 0, type: 'UNMAP' },
  ]);
});

test('replay announces every live mapping in index order and faults in a kernel table\'s pages', () => {
  const m = machine('realmode');
  put(m, 0x5000n, 0x9001n); // virtual mode allocates backing page 0 only
  put(m, 0x1000n, 0x2003n);
  const t = m.tables;
  const slot = t.findTable(0x80000000);
  assert.is(t.pageAllocated(slot, 1), false);
  const heard: bigint[] = [];
  assert.is(replayIommu(t, slot, (n) => heard.push(n.iova)), 2);
  assert.equal(heard, [0x1000n, 0x5000n]);
  for (let p = 0; p * t.entriesPerPage < t.entries(slot); p++) assert.ok(t.pageAllocated(slot, p), `page ${p}`);
});

test('the VFIO listener forwards only the windows it watches; a map outside guest RAM is skipped', () => {
  const m = vfioMachine('userspace');
  const hw = windowHw(m);
  const l = m.passthrough[0]!.listener;
  assert.ok(l.watches(0x80000000));
  assert.is(l.forward({ liobn: 0x80000000, iova: 0x4000n, translatedAddr: 0x20000000n, addrMask: 0xfffn, perm: 3, type: 'MAP' }), 0);
  assert.is(l.skipped, 1);
  l.listener({ liobn: 0x80000001, iova: 0x4000n, translatedAddr: 0x4000n, addrMask: 0xfffn, perm: 3, type: 'MAP' });
  assert.is(hwEntries(m, hw).size, 0, 'a window not watched is not forwarded');
  l.listener({ liobn: 0x80000000, iova: 0x4000n, translatedAddr: 0x4000n, addrMask: 0xfffn, perm: 1, type: 'MAP' });
  assert.equal([...hwEntries(m, hw)], [[4, BigInt(m.tables.hw.hpaBase + 0x4000) | 1n]]);
});

test.run();
