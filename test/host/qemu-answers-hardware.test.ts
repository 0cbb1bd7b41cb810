/**
 * A call QEMU answers for a LIOBN backed by a passed-through device updates the hardware table
 * too (QEMU's IOMMU notifier → VFIO MAP_DMA/UNMAP_DMA), so guest view and hardware agree.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H_SUCCESS } from '../../src/papr/return-codes.js';
import { TIER_USERSPACE } from '../../src/papr/tiers.js';
import { indirect, put, stuff } from '../machines.js';
import { expectedHw, hwEntries, vfioMachine, windowHw } from './rigs.js';

test('mode userspace, v2: PUT, INDIRECT and STUFF answered by QEMU reach the hardware table', () => {
  const m = vfioMachine('userspace');
  const hw = windowHw(m);
  assert.is(put(m, 0x1000n, 0x2003n).ret, H_SUCCESS);
  assert.is(indirect(m, 0x10000n, 0x100000n, [0x3003n, 0x4001n, 0x5003n]).ret, H_SUCCESS);
  assert.equal([...hwEntries(m, hw)], [...expectedHw(m, 0x80000000, hw)]);
  assert.is(hwEntries(m, hw).size, 4);
  assert.is(stuff(m, 0x10000n, 0n, 2n).ret, H_SUCCESS);
  assert.is(put(m, 0x1000n, 0n).ret, H_SUCCESS);
  assert.equal([...hwEntries(m, hw)], [...expectedHw(m, 0x80000000, hw)]);
  assert.is(hwEntries(m, hw).size, 1);
});

test('QEMU maps a write-only TCE read-write (VFIO has no write-only map): the hardware says RW', () => {
  const m = vfioMachine('userspace');
  const hw = windowHw(m);
  put(m, 0x3000n, 0x6002n);
  assert.is(m.tables.hwEntryLo(hw, 3), (m.tables.hw.hpaBase + 0x6000) % 2 ** 32 | 3);
});

test('realmode with the KVM link and INDIRECT disabled in the kernel: QEMU answers, hardware follows', () => {
  const m = vfioMachine('realmode', { inKernelMultiTce: false });
  const hw = windowHw(m);
  const r = indirect(m, 0x20000n, 0x100000n, [0x7003n, 0x8003n]);
  assert.is(r.ret, H_SUCCESS);
  assert.is(r.answeredBy, TIER_USERSPACE);
  put(m, 0x1000n, 0x2003n); // answered in the kernel: the kernel writes the hardware
  assert.equal([...hwEntries(m, hw)], [...expectedHw(m, 0x80000000, hw)]);
  assert.is(hwEntries(m, hw).size, 3);
});

test('v1: every map reaches QEMU and is pinned page by page; unmap releases the pin', () => {
  const m = vfioMachine('realmode', { container: 'v1' });
  const hw = windowHw(m);
  const host = m.host!;
  const r = put(m, 0x1000n, 0x2003n);
  assert.is(r.answeredBy, TIER_USERSPACE);
  assert.equal([...hwEntries(m, hw)], [...expectedHw(m, 0x80000000, hw)]);
  assert.is(host.memory.pinnedPages, 1);
  assert.is(put(m, 0x1000n, 0n).answeredBy, TIER_USERSPACE);
  assert.is(host.memory.pinnedPages, 0);
  assert.is(hwEntries(m, hw).size, 0);
});

test.run();
