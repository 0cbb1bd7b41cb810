import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H_FUNCTION, H_PARAMETER, H_SUCCESS } from '../../src/papr/return-codes.js';
import { MODES } from '../../src/papr/tiers.js';
import type { IommuNotification } from '../../src/userspace/spapr-iommu.js';
import { get, indirect, machine, pathOf, put, stuff } from '../machines.js';

const windowAt = (busOffset: bigint) => ({
  tables: [{ liobn: 0x80000001, busOffset, pageShift: 16, entries: 64, userspaceOnly: false }],
});

test('any opcode but the four TCE hcalls is H_FUNCTION from userspace, in every mode', () => {
  for (const mode of MODES) {
    const r = machine(mode).call({ opcode: 0x140, liobn: 0x80000000n, ioba: 0n });
    assert.is(r.ret, H_FUNCTION, mode);
    assert.ok(pathOf(r).endsWith('userspace'), pathOf(r));
    if (mode !== 'userspace') assert.match(pathOf(r), 'not-tce-hcall');
  }
});

test('API misuse names the bad value instead of truncating a register', () => {
  const m = machine('userspace');
  assert.throws(() => m.call({ opcode: 2 ** 32 + 0x1c, liobn: 0x80000000n, ioba: 0n }), /opcode 4294967324 must be/);
  assert.throws(() => m.call({ opcode: 28.5, liobn: 0x80000000n, ioba: 0n }), /opcode 28.5/);
  assert.throws(() => m.call({ opcode: 0x1c, liobn: 1n << 64n, ioba: 0n }), /liobn 18446744073709551616/);
  assert.throws(() => m.call({ opcode: 0x1c, liobn: 0x80000000n, ioba: -1n }), /ioba -1/);
});

test('a LIOBN with any upper bit set is unknown everywhere', () => {
  for (const mode of MODES) {
    const m = machine(mode);
    assert.is(put(m, 0x1000n, 0x2003n, 0x180000000n).ret, H_PARAMETER, mode);
    assert.is(get(m, 0x1000n, 0x180000000n).ret, H_PARAMETER, mode);
  }
});

test('QEMU masks the ioba, and an ioba below the window wraps to an index past it', () => {
  const u = machine('userspace', windowAt(0x100000n));
  assert.is(put(u, 0x110008n, 0x2003n, 0x80000001n).ret, H_SUCCESS);
  assert.equal([...u.nonZeroEntries(0x80000001)], [[0x110000n, 0x2003n]]);
  assert.is(put(u, 0xf0000n, 0x2003n, 0x80000001n).ret, H_PARAMETER);
  assert.is(put(u, 0x100000n + 64n * 0x10000n, 0x2003n, 0x80000001n).ret, H_PARAMETER);
  const k = machine('virtmode', windowAt(0x100000n));
  assert.is(put(k, 0x110008n, 0x2003n, 0x80000001n).ret, H_PARAMETER);
  assert.is(put(k, 0xf0000n, 0x2003n, 0x80000001n).ret, H_PARAMETER);
});

test('QEMU INDIRECT and STUFF stop at the first failing entry and keep the earlier ones', () => {
  const u = machine('userspace', windowAt(0n));
  const end = 64n * 0x10000n;
  assert.is(indirect(u, end - 0x20000n, 0x100000n, [0x10003n, 0x20003n, 0x30003n], 3n, 0x80000001n).ret, H_PARAMETER);
  assert.equal([...u.nonZeroEntries(0x80000001)].map(([, v]) => v), [0x10003n, 0x20003n]);
  assert.is(stuff(u, end - 0x10000n, 0x7003n, 2n, 0x80000001n).ret, H_PARAMETER);
  assert.is(get(u, end - 0x10000n, 0x80000001n).tce, 0x7003n);
  assert.is(stuff(u, 0n, 0n, 65n, 0x80000001n).ret, H_PARAMETER); // npages > table size
  assert.is(stuff(u, 0n, 0n, 0n, 0x80000001n).ret, H_PARAMETER);
  assert.is(indirect(u, 0n, 0x100000n, [], 0n, 0x80000001n).ret, H_PARAMETER);
});

test('QEMU notifies its IOMMU listeners: MAP with permission bits, UNMAP without', () => {
  const u = machine('userspace', windowAt(0x100000n));
  const seen: IommuNotification[] = [];
  u.qemu.addListener((n) => seen.push(n));
  put(u, 0x120000n, 0x45670002n, 0x80000001n);
  put(u, 0x120000n, 0n, 0x80000001n);
  assert.equal(seen, [
    { liobn: 0x80000001, iova: 0x20000n, translatedAddr: 0x45670000n, addrMask: 0xffffn, perm: 2, type: 'MAP' },
    { liobn: 0x80000001, iova: 0x20000n, translatedAddr: 0n, addrMask: 0xffffn, perm: 0, type: 'UNMAP' },
  ]);
});

test('userspace-only tables are invisible to the kernel tiers in every mode', () => {
  const cfg = { tables: [{ liobn: 0x71000002, busOffset: 0n, pageShift: 12, entries: 65536, userspaceOnly: true }] };
  for (const mode of MODES) {
    const r = put(machine(mode, cfg), 0x1000n, 0x2003n, 0x71000002n);
    assert.is(r.ret, H_SUCCESS);
    assert.is(pathOf(r), { realmode: 'realmode: no-table > virtmode: no-table > userspace', virtmode: 'virtmode: no-table > userspace', userspace: 'userspace' }[mode]);
  }
});

test.run();
