import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { F_ARG_LO, F_IOBA_LO, F_LIOBN_LO, F_OPCODE, F_REASON, FRAME_WORDS } from '../../src/papr/frame.js';
import { H_PUT_TCE } from '../../src/papr/hcalls.js';
import { REASON_LOCK_CONTENDED } from '../../src/papr/reasons.js';
import { H_PARAMETER, H_SUCCESS, H_TOO_HARD } from '../../src/papr/return-codes.js';
import { realmodeHPutTce } from '../../src/realmode/h-put-tce.js';
import { spinTryLock, unlock } from '../../src/shared-memory/lock.js';
import { get, indirect, machine, pathOf, put, stuff } from '../machines.js';

test('the first map into a fresh backing page leaves real mode; the next one in that page does not', () => {
  const m = machine('realmode', { hostPageShift: 12 }); // 512 TCEs per backing page
  assert.is(pathOf(put(m, 0x1000n, 0x2003n)), 'realmode: page-not-allocated > virtmode');
  assert.is(pathOf(put(m, 0x1ff000n, 0x3003n)), 'realmode'); // entry 511: same page
  assert.is(pathOf(put(m, 0x200000n, 0x4003n)), 'realmode: page-not-allocated > virtmode'); // entry 512
  assert.equal([...m.nonZeroEntries(0x80000000)], [[0x1000n, 0x2003n], [0x1ff000n, 0x3003n], [0x200000n, 0x4003n]]);
});

test('a clear needs no backing page: answered in real mode, nothing allocated', () => {
  const m = machine('realmode');
  const slot = m.tables.findTable(0x80000000);
  assert.is(pathOf(put(m, 0x5000n, 0n)), 'realmode');
  assert.is(pathOf(stuff(m, 0x5000n, 0n, 16n)), 'realmode');
  assert.is(m.tables.pageAllocated(slot, 0), false);
  const r = get(m, 0x5000n);
  assert.equal([r.ret, r.tce, pathOf(r)], [H_SUCCESS, 0n, 'realmode']);
});

test('a poison value (no permission bits) is not a clear: it needs the page', () => {
  const m = machine('realmode');
  assert.is(pathOf(put(m, 0x3000n, 0x5000n)), 'realmode: page-not-allocated > virtmode');
  assert.is(get(m, 0x3000n).tce, 0x5000n);
});

test('real mode refuses a misaligned TCE address only once the page exists', () => {
  const m = machine('realmode');
  const first = put(m, 0x2000n, 0x2803n); // fresh page: punted, virtual mode punts again, QEMU stores it
  assert.equal([first.ret, pathOf(first)], [H_SUCCESS, 'realmode: page-not-allocated > virtmode: misaligned-tce > userspace']);
  const second = put(m, 0x3000n, 0x2803n); // the page was faulted in by QEMU's store
  assert.equal([second.ret, pathOf(second)], [H_PARAMETER, 'realmode']);
});

test('a TCE address outside guest RAM leaves the kernel; QEMU stores it', () => {
  const m = machine('realmode');
  put(m, 0x1000n, 0x2003n);
  const r = put(m, 0x2000n, 0x20000003n); // RAM is 256 MiB
  assert.equal([r.ret, pathOf(r)], [H_SUCCESS, 'realmode: outside-ram > virtmode: outside-ram > userspace']);
});

test('a contended table lock is H_TOO_HARD (lock-contended) in real mode, never a wait', () => {
  const m = machine('realmode');
  put(m, 0x1000n, 0x2003n);
  const t = m.tables;
  const slot = t.findTable(0x80000000);
  const f = new Int32Array(FRAME_WORDS);
  f[F_OPCODE] = H_PUT_TCE;
  f[F_LIOBN_LO] = 0x80000000 | 0;
  f[F_IOBA_LO] = 0x2000;
  f[F_ARG_LO] = 0x3003;
  assert.ok(spinTryLock(t.control, t.lockIndex(slot), 0));
  assert.is(realmodeHPutTce(t, f), H_TOO_HARD);
  assert.is(f[F_REASON], REASON_LOCK_CONTENDED);
  unlock(t.control, t.lockIndex(slot));
  assert.is(realmodeHPutTce(t, f), H_SUCCESS);
});

test('STUFF with permission bits: page check first in real mode, then H_PARAMETER', () => {
  const m = machine('realmode');
  assert.is(pathOf(stuff(m, 0x30000n, 0x8003n, 2n)), 'realmode: page-not-allocated > virtmode');
  assert.is(stuff(m, 0x30000n, 0x8003n, 2n).ret, H_PARAMETER);
  put(m, 0x1000n, 0x2003n);
  const r = stuff(m, 0x30000n, 0x8003n, 2n);
  assert.equal([r.ret, pathOf(r)], [H_PARAMETER, 'realmode']);
});

test('INDIRECT validates every entry before writing any', () => {
  const m = machine('realmode');
  put(m, 0x1000n, 0x2003n);
  const r = indirect(m, 0x10000n, 0x100000n, [0x3003n, 0x4803n, 0x5003n]);
  assert.equal([r.ret, pathOf(r)], [H_PARAMETER, 'realmode']);
  assert.equal([...m.nonZeroEntries(0x80000000)], [[0x1000n, 0x2003n]]);
});

test('INDIRECT: an entry outside RAM while writing is H_PARAMETER in the kernel, earlier entries stay', () => {
  // A poison entry passes validation (no permission bits) but every entry is translated when
  // written; QEMU stores it verbatim.
  const list = [0x3003n, 0x700000000n, 0x5003n];
  const k = machine('virtmode');
  assert.is(indirect(k, 0x10000n, 0x100000n, list).ret, H_PARAMETER);
  assert.equal([...k.nonZeroEntries(0x80000000)], [[0x10000n, 0x3003n]]);
  const u = machine('userspace');
  assert.is(indirect(u, 0x10000n, 0x100000n, list).ret, H_SUCCESS);
  assert.is(u.nonZeroEntries(0x80000000).size, 3);
});

test('INDIRECT list pages real mode cannot reach are punted with their reason', () => {
  const m = machine('realmode');
  put(m, 0x1000n, 0x2003n);
  m.tables.ram.setHostPageState(0x200000, { old: true });
  assert.is(pathOf(indirect(m, 0x10000n, 0x200000n, [0x3003n])), 'realmode: list-unreachable > virtmode');
  m.tables.ram.setHostPageState(0x200000, { huge: true });
  assert.is(pathOf(indirect(m, 0x11000n, 0x200000n, [0x3003n])), 'realmode: list-unreachable > virtmode');
  assert.is(pathOf(indirect(m, 0x12000n, 0x300000n, [0x3003n])), 'realmode');
  // A list outside RAM leaves the kernel; QEMU reads zeros there and stores them.
  const far = m.call({ opcode: 0x13c, liobn: 0x80000000n, ioba: 0x1000n, arg: 0x40000000n, npages: 1n });
  assert.equal([far.ret, pathOf(far)], [H_SUCCESS, 'realmode: list-outside-ram > virtmode: list-outside-ram > userspace']);
  assert.is(get(m, 0x1000n).tce, 0n);
});

test('with in-kernel INDIRECT/STUFF off they go to userspace, and QEMU faults the kernel page in', () => {
  const m = machine('realmode', { inKernelMultiTce: false });
  const r = stuff(m, 0x0n, 0n, 1n);
  assert.equal([r.ret, pathOf(r)], [H_SUCCESS, 'realmode: hcall-disabled > virtmode: hcall-disabled > userspace']);
  assert.is(pathOf(put(m, 0x1000n, 0x2003n)), 'realmode'); // QEMU's access allocated the page
  assert.is(pathOf(indirect(m, 0x2000n, 0x100000n, [0x3003n])), 'realmode: hcall-disabled > virtmode: hcall-disabled > userspace');
});

test('range check: full refuses a run past the window end; first-page-only lets it through', () => {
  const last = 262143n << 12n;
  for (const mode of ['realmode', 'virtmode'] as const) {
    const full = machine(mode);
    put(full, last, 0x2003n);
    assert.is(stuff(full, last - 0x1000n, 0n, 4n).ret, H_PARAMETER);
    assert.is(get(full, last).tce, 0x2003n);
    const first = machine(mode, { rangeCheck: 'firstPage' });
    put(first, last, 0x2003n);
    assert.is(stuff(first, last - 0x1000n, 0n, 4n).ret, H_SUCCESS); // entries past the end are dropped
    assert.is(get(first, last).tce, 0n);
    assert.is(stuff(first, last, 0n, 0xffffffffffffffffn).ret, H_SUCCESS);
  }
  // QEMU checks entry by entry and keeps what it wrote before the failure.
  const u = machine('userspace', { rangeCheck: 'firstPage' });
  put(u, last, 0x2003n);
  assert.is(stuff(u, last - 0x1000n, 0n, 4n).ret, H_PARAMETER);
  assert.is(get(u, last).tce, 0n);
});

test.run();
