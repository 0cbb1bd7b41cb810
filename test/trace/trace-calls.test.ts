import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../../src/papr/hcalls.js';
import type { Machine } from '../../src/pipeline/machine.js';
import type { TraceTableGeometry } from '../../src/trace/table-geometry.js';
import { traceCall, type TraceCall } from '../../src/trace/trace-calls.js';
import { isHcallEvent, type TraceHcallEvent } from '../../src/trace/trace-events.js';
import { parseTraceLine } from '../../src/trace/trace-line.js';
import { get, indirect, machine, put, stuff } from '../machines.js';
import { LineRecorder } from './support.js';

const VIO = 0x71000002;
const PCI = 0x80000000;
const RAM = 0x40000000;
/** 16 entries of 4 KiB at 0: the window ends at 0x10000. */
const small = (liobn: number): TraceTableGeometry => ({ liobn, pageShift: 12, busOffset: 0n, entries: 16, source: 'default', line: 0 });

function callOf(line: string, g = small(VIO)): TraceCall {
  const e = parseTraceLine(line);
  if (e === null || !isHcallEvent(e)) throw new Error(`not an hcall line: ${line}`);
  return traceCall(e, g, RAM);
}

const base = { liobnHi: 0, npages: 0, listFirst: 0n, listStep: 0n, mappedBytes: 0, noTable: false, reconstructed: false, rtas: null, tce: 0n };

test('put and get: the ioba as printed; a map counts its page', () => {
  assert.equal(callOf('spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3003 ret=0'), {
    ...base, opcode: H_PUT_TCE, liobn: VIO, ioba: 0x1000n, arg: 0x3003n, ret: 0, mappedBytes: 4096,
  });
  assert.equal(callOf('spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x0 ret=0').mappedBytes, 0);
  assert.equal(callOf('spapr_iommu_put liobn=0x71000002 ioba=0x10000 tce=0x3003 ret=-4'), {
    ...base, opcode: H_PUT_TCE, liobn: VIO, ioba: 0x10000n, arg: 0x3003n, ret: -4,
  });
  assert.equal(callOf('spapr_iommu_get liobn=0x71000002 ioba=0xf000 ret=0 tce=0x3003'), {
    ...base, opcode: H_GET_TCE, liobn: VIO, ioba: 0xf000n, arg: 0n, ret: 0, tce: 0x3003n,
  });
});

test('indirect: npages from the iobaN index, a consecutive list ending in tceN', () => {
  assert.equal(callOf('spapr_iommu_indirect liobn=0x71000002 ioba=0x2000 tcelist=0x100000 iobaN=0x3 tceN=0x7003 ret=0'), {
    ...base, opcode: H_PUT_TCE_INDIRECT, liobn: VIO, ioba: 0x2000n, arg: 0x100000n, npages: 4, listFirst: 0x4003n, listStep: 0x1000n, ret: 0, mappedBytes: 16384,
  });
  // The sample's 16-page indirects: 64 KiB guest pages mapped as 16 TCE pages from an aligned address.
  const c = callOf('spapr_iommu_pci_indirect liobn=0x80000000 ioba=0x30000000 tcelist=0x2290000 iobaN=0xf tceN=0x22ef003 ret=0',
    { ...small(PCI), entries: 262144 });
  assert.equal([c.npages, c.listFirst, c.listStep], [16, 0x22e0003n, 0x1000n]);
  // The caller's ioba is kept unmasked: QEMU prints it so.
  assert.is(callOf('spapr_iommu_indirect liobn=0x71000002 ioba=0x2008 tcelist=0x100000 iobaN=0x0 tceN=0x7003 ret=0').ioba, 0x2008n);
});

test('indirect failures: the failing entry from the geometry, or npages 0', () => {
  // From index 14 the first entry past the 16-entry window is entry 2: QEMU printed iobaN 1 and entry 2.
  const k2 = callOf('spapr_iommu_indirect liobn=0x71000002 ioba=0xe000 tcelist=0x100000 iobaN=0x1 tceN=0x9003 ret=-4');
  assert.equal([k2.npages, k2.listFirst, k2.ret, k2.mappedBytes], [3, 0x7003n, -4, 0]);
  const k0 = callOf('spapr_iommu_indirect liobn=0x71000002 ioba=0x10000 tcelist=0x100000 iobaN=0x0 tceN=0x5003 ret=-4');
  assert.equal([k0.npages, k0.listFirst], [1, 0x5003n]);
  const none = callOf('spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x100000 iobaN=0x0 tceN=0x0 ret=-4');
  assert.equal([none.npages, none.ret], [0, -4]);
  // At the window's last page, iobaN 0 with a non-zero tceN is entry 1 failing.
  const k1 = callOf('spapr_iommu_indirect liobn=0x71000002 ioba=0xf000 tcelist=0x100000 iobaN=0x0 tceN=0x9003 ret=-4');
  assert.equal([k1.npages, k1.listFirst], [2, 0x8003n]);
});

test('stuff: the start is the printed ioba less npages pages; a failure stops at its first entry', () => {
  assert.equal(callOf('spapr_iommu_stuff liobn=0x71000002 ioba=0x4000 tcevalue=0x0 npages=4 ret=0'), {
    ...base, opcode: H_STUFF_TCE, liobn: VIO, ioba: 0n, arg: 0n, npages: 4, ret: 0,
  });
  assert.is(callOf('spapr_iommu_stuff liobn=0x71000002 ioba=0x10000 tcevalue=0x1003 npages=16 ret=0').mappedBytes, 65536);
  const failed = callOf('spapr_iommu_stuff liobn=0x71000002 ioba=0x10000 tcevalue=0x0 npages=3 ret=-4');
  assert.equal([failed.ioba, failed.npages], [0x10000n, 3]);
  const zero = callOf('spapr_iommu_stuff liobn=0x71000002 ioba=0x3000 tcevalue=0x0 npages=0 ret=-4');
  assert.equal([zero.ioba, zero.npages], [0x3000n, 0]);
});

test('an indirect whose list cannot be Linux\'s consecutive one is replayed with every entry tceN, and says so', () => {
  const c = callOf('spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x100000 iobaN=0x3 tceN=0x2003 ret=0');
  assert.equal([c.npages, c.listFirst, c.listStep, c.reconstructed], [4, 0x2003n, 0n, true]);
  assert.is(callOf('spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x100000 iobaN=0x3 tceN=0x5003 ret=0').reconstructed, false);
});

test('lines on a LIOBN without a table: put/get as printed, a disabled window\'s indirect with its one entry read, its stuff of 0 pages', () => {
  const none = (line: string): TraceCall => {
    const e = parseTraceLine(line);
    if (e === null || !isHcallEvent(e)) throw new Error(line);
    return traceCall(e, null, RAM);
  };
  assert.equal(none('spapr_iommu_put liobn=0x71000009 ioba=0x1008 tce=0x3003 ret=-4'), {
    ...base, opcode: H_PUT_TCE, liobn: 0x71000009, ioba: 0x1008n, arg: 0x3003n, ret: -4, noTable: true,
  });
  assert.is(none('spapr_iommu_pci_get liobn=0x80000001 ioba=0x8 ret=-4 tce=0x0').noTable, true);
  const ind = none('spapr_iommu_pci_indirect liobn=0x80000001 ioba=0x800000000000000 tcelist=0x10000 iobaN=0x0 tceN=0x5003 ret=-4');
  assert.equal([ind.npages, ind.listFirst, ind.listStep], [1, 0x5003n, 0n]);
  assert.is(none('spapr_iommu_pci_stuff liobn=0x80000001 ioba=0x8 tcevalue=0x0 npages=0 ret=-4').npages, 0);
  assert.throws(() => none('spapr_iommu_put liobn=0x71000009 ioba=0x1000 tce=0x3003 ret=0'), /has no table at this line, answered 0/);
  assert.throws(() => none('spapr_iommu_pci_stuff liobn=0x80000001 ioba=0x8 tcevalue=0x0 npages=2 ret=-4'), /printed npages 2/);
  assert.throws(() => none('spapr_iommu_pci_indirect liobn=0x80000001 ioba=0x0 tcelist=0x10000 iobaN=0x1 tceN=0x5003 ret=-4'), /fails at entry 0/);
  // A 64-bit LIOBN has no table even when its low word names one: the high word rides along to r4.
  const wide = parseTraceLine('spapr_iommu_get liobn=0x171000002 ioba=0x1000 ret=-4 tce=0x0');
  if (wide === null || !isHcallEvent(wide)) throw new Error('not an hcall line');
  assert.equal(traceCall(wide, small(VIO), RAM), {
    ...base, opcode: H_GET_TCE, liobn: VIO, liobnHi: 1, ioba: 0x1000n, arg: 0n, ret: -4, noTable: true,
  });
  assert.throws(() => none('spapr_iommu_put liobn=0x171000002 ioba=0x1000 tce=0x3 ret=0'), /liobn 0x171000002, which has no table at this line, answered 0/);
});

test('a line no call on the table could have printed is refused with the reason', () => {
  const bad: [string, RegExp][] = [
    ['spapr_iommu_put liobn=0x71000002 ioba=0x10000 tce=0x3 ret=0',
      /^put succeeded, but ioba 0x10000 lies outside the window, on liobn 0x71000002's window of 16 × 4 KiB pages at 0x0 \(the sPAPR default; override it with --trace-table/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3 ret=-4', /put failed, but ioba 0x1000 lies inside the window/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1008 tce=0x3 ret=0', /put: ioba 0x1008 is not page-aligned though QEMU prints it masked/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3 ret=-1', /put: ret=-1, but QEMU's sPAPR IOMMU answers only 0 or -4/],
    ['spapr_iommu_get liobn=0x71000002 ioba=0x10000 ret=-4 tce=0x3', /get failed but printed tce 0x3; QEMU prints 0x0 on failure/],
    ['spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x100800 iobaN=0x0 tceN=0x3 ret=0', /tcelist 0x100800 is not 4 KiB aligned/],
    ['spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x100000 iobaN=0x200 tceN=0x3 ret=0', /iobaN 0x200 is an entry index, at most 511/],
    ['spapr_iommu_indirect liobn=0x71000002 ioba=0x8000 tcelist=0x100000 iobaN=0x8 tceN=0x9003 ret=0', /indirect: 9 pages from ioba 0x8000 succeeded but do not fit/],
    ['spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x100000 iobaN=0x1 tceN=0x9003 ret=-4',
      /indirect failed with iobaN 0x1, but from ioba 0x0 the first entry past the window is entry 16 \(QEMU would print iobaN 0xf\)/],
    ['spapr_iommu_indirect liobn=0x71000002 ioba=0x10000 tcelist=0x100000 iobaN=0x2 tceN=0x9003 ret=-4', /outside the window, so it failed at entry 0/],
    ['spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x40000000 iobaN=0x0 tceN=0x3 ret=0', /the list at tcelist 0x40000000 \(1 entries\) lies outside the guest's 0x40000000 bytes of RAM/],
    ['spapr_iommu_stuff liobn=0x71000002 ioba=0x2000 tcevalue=0x0 npages=4 ret=0', /stuff: 4 pages ending at ioba 0x2000 succeeded but do not fit/],
    ['spapr_iommu_stuff liobn=0x71000002 ioba=0x2000 tcevalue=0x0 npages=0 ret=0', /npages 0 succeeded, but QEMU answers npages 0 with H_PARAMETER/],
    ['spapr_iommu_stuff liobn=0x71000002 ioba=0x2000 tcevalue=0x0 npages=2 ret=-4', /stuff failed, but the ioba it stopped at, 0x2000, lies inside the window/],
    ['spapr_iommu_stuff liobn=0x71000002 ioba=0x20000 tcevalue=0x0 npages=17 ret=-4', /npages 17 is above the table's 16 entries/],
  ];
  for (const [line, problem] of bad) assert.throws(() => callOf(line), (e: unknown) => e instanceof RangeError && problem.test(e.message), line);
});

/** Replay trace lines as calls on a fresh machine, as the trace workload does, and trace them again. */
function replay(lines: readonly string[], geometry: (liobn: number) => TraceTableGeometry): string[] {
  const m = traced();
  for (const line of lines) {
    const e = parseTraceLine(line) as TraceHcallEvent;
    const c = traceCall(e, geometry(e.liobn), RAM);
    for (let i = 0; i < c.npages && c.opcode === H_PUT_TCE_INDIRECT; i++) m.tables.ram.writeBe64(c.arg + BigInt(i * 8), c.listFirst + BigInt(i) * c.listStep);
    assert.is(m.call({ opcode: c.opcode, liobn: BigInt(c.liobn), ioba: c.ioba, arg: c.arg, npages: BigInt(c.npages) }).ret, c.ret, line);
  }
  return (m.qemu.trace as LineRecorder).lines;
}

function traced(): Machine {
  const m = machine('userspace', {
    tables: [VIO, PCI].map((liobn) => ({ liobn, busOffset: 0n, pageShift: 12, entries: 16, userspaceOnly: false })),
  });
  m.qemu.trace = new LineRecorder();
  return m;
}

test('the QEMU model traces as QEMU does, and every line it prints replays to the same line', () => {
  const m = traced();
  const list = (n: number, first: bigint): bigint[] => Array.from({ length: n }, (_, i) => first + BigInt(i) * 0x1000n);
  const L = BigInt(VIO);
  put(m, 0x1008n, 0x3003n, L); // masked in the line
  put(m, 0x10000n, 0x3003n, L); // past the window
  put(m, 0x1008n, 0x3003n, 0x71000009n); // unknown LIOBN: traced with the ioba unmasked
  get(m, 0x1000n, L);
  get(m, 0x11000n, L);
  indirect(m, 0x2008n, 0x100000n, list(4, 0x4003n), 4n, L); // the caller's ioba, unmasked
  indirect(m, 0xe000n, 0x100000n, list(3, 0x7003n), 3n, L); // entry 2 past the window
  indirect(m, 0x10000n, 0x100000n, list(1, 0x5003n), 1n, L); // entry 0 past the window
  indirect(m, 0x0n, 0x100000n, [], 0n, L); // npages 0
  indirect(m, 0x0n, 0x100800n, list(1, 0x5003n), 1n, L); // misaligned list: refused before the loop
  indirect(m, 0x0n, 0x100000n, list(1, 0x5003n), 513n, L); // over 512: refused before the loop
  stuff(m, 0x4000n, 0n, 4n); // on the PCI window
  stuff(m, 0xe000n, 0x1003n, 4n); // stops at the window's end after 2 entries
  stuff(m, 0x0n, 0n, 0n); // npages 0
  stuff(m, 0x0n, 0n, 17n); // more than the table: refused before the loop
  const lines = (m.qemu.trace as LineRecorder).lines;
  assert.equal(lines, [
    'spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3003 ret=0',
    'spapr_iommu_put liobn=0x71000002 ioba=0x10000 tce=0x3003 ret=-4',
    'spapr_iommu_put liobn=0x71000009 ioba=0x1008 tce=0x3003 ret=-4',
    'spapr_iommu_get liobn=0x71000002 ioba=0x1000 ret=0 tce=0x3003',
    'spapr_iommu_get liobn=0x71000002 ioba=0x11000 ret=-4 tce=0x0',
    'spapr_iommu_indirect liobn=0x71000002 ioba=0x2008 tcelist=0x100000 iobaN=0x3 tceN=0x7003 ret=0',
    'spapr_iommu_indirect liobn=0x71000002 ioba=0xe000 tcelist=0x100000 iobaN=0x1 tceN=0x9003 ret=-4',
    'spapr_iommu_indirect liobn=0x71000002 ioba=0x10000 tcelist=0x100000 iobaN=0x0 tceN=0x5003 ret=-4',
    'spapr_iommu_indirect liobn=0x71000002 ioba=0x0 tcelist=0x100000 iobaN=0x0 tceN=0x0 ret=-4',
    'spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x8000 tcevalue=0x0 npages=4 ret=0', // printed after the loop
    'spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x10000 tcevalue=0x1003 npages=4 ret=-4',
    'spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x0 tcevalue=0x0 npages=0 ret=-4',
  ]);
  const known = lines.filter((l) => !l.includes('0x71000009'));
  assert.equal(replay(known, small), known);
});

test.run();
