import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { QemuTraceEvent } from '../../src/trace/trace-events.js';
import { formatTraceEvent } from '../../src/trace/trace-format.js';
import { parseTraceLine } from '../../src/trace/trace-line.js';
import { TraceReader } from '../../src/trace/trace-reader.js';
import { SAMPLE_TRACE } from './support.js';

test('each hcall event, plain and pci_, parses into its typed form', () => {
  assert.equal(parseTraceLine('spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x3e370003 ret=0'), {
    kind: 'put', pci: true, liobn: 0x80000000, liobnHi: 0, ioba: 0x1000n, tce: 0x3e370003n, ret: 0,
  });
  assert.equal(parseTraceLine('spapr_iommu_get liobn=0x71000002 ioba=0x2000 ret=-4 tce=0x0'), {
    kind: 'get', pci: false, liobn: 0x71000002, liobnHi: 0, ioba: 0x2000n, ret: -4, tce: 0n,
  });
  assert.equal(parseTraceLine('spapr_iommu_indirect liobn=0x71000003 ioba=0xc000000 tcelist=0x2290000 iobaN=0xf tceN=0x4b4f003 ret=0'), {
    kind: 'indirect', pci: false, liobn: 0x71000003, liobnHi: 0, ioba: 0xc000000n, tceList: 0x2290000n, iobaN: 0xfn, tceN: 0x4b4f003n, ret: 0,
  });
  assert.equal(parseTraceLine('spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x200000 tcevalue=0x0 npages=512 ret=0'), {
    kind: 'stuff', pci: true, liobn: 0x80000000, liobnHi: 0, ioba: 0x200000n, tceValue: 0n, npages: 512, ret: 0,
  });
  assert.equal(parseTraceLine('spapr_iommu_put liobn=0x71000002 ioba=0xffffffffffff0000 tce=0xffffffffffffffff ret=-4'), {
    kind: 'put', pci: false, liobn: 0x71000002, liobnHi: 0, ioba: 0xffffffffffff0000n, tce: 0xffffffffffffffffn, ret: -4,
  });
});

test('table and DDW events parse, in hex or decimal where QEMU may print either', () => {
  assert.equal(parseTraceLine('spapr_iommu_new_table liobn=0x71000002 table=0x558b61583ba0 fd=-1'), {
    kind: 'new_table', liobn: 0x71000002, table: 0x558b61583ba0n, fd: -1,
  });
  assert.equal(parseTraceLine('spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x40000000, mask=0x11000'), {
    kind: 'ddw_query', buid: 0x800000020000000n, addr: 0, windowsAvailable: 1, maxWindowSize: 0x40000000n, mask: 0x11000,
  });
  assert.equal(parseTraceLine('spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x10000, requested=0x40000000, start addr=0x800000000000000, liobn=0x80000001'), {
    kind: 'ddw_create', buid: 0x800000020000000n, addr: 0, pageSize: 0x10000n, requested: 0x40000000n, startAddr: 0x800000000000000n, liobn: 0x80000001,
  });
  assert.equal(parseTraceLine('spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=65536, requested=1073741824, start addr=0x800000000000000, liobn=0x80000001')?.kind, 'ddw_create');
  assert.equal(parseTraceLine('spapr_iommu_ddw_remove liobn=0x80000001'), { kind: 'ddw_remove', liobn: 0x80000001 });
  assert.equal(parseTraceLine('spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x0'), { kind: 'ddw_reset', buid: 0x800000020000000n, addr: 0 });
  assert.equal(parseTraceLine('spapr_iommu_xlate liobn=0x80000000 ioba=0x1000 tce=0x3e370003 perm=3 mask=0xfff'), {
    kind: 'other', name: 'spapr_iommu_xlate', text: 'liobn=0x80000000 ioba=0x1000 tce=0x3e370003 perm=3 mask=0xfff',
  });
});

test('other lines are skipped, and the log backend\'s PID@TIME: prefix is dropped', () => {
  assert.is(parseTraceLine(''), null);
  assert.is(parseTraceLine('spapr_pci_msi_setup name=virtio vector=0'), null);
  assert.is(parseTraceLine('qemu-system-ppc64: warning: TCG doesn\'t support requested feature'), null);
  assert.equal(parseTraceLine('4711@1700000000.123456:spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=0')?.kind, 'put');
});

test('an hcall line with a 64-bit LIOBN (a bad call QEMU printed) parses, the high word apart, and prints back', () => {
  const line = 'spapr_iommu_pci_get liobn=0xdeadbeef80000001 ioba=0x1008 ret=-4 tce=0x0';
  const e = parseTraceLine(line);
  assert.equal(e, { kind: 'get', pci: true, liobn: 0x80000001, liobnHi: 0xdeadbeef, ioba: 0x1008n, ret: -4, tce: 0n });
  assert.is(formatTraceEvent(e as QemuTraceEvent), line);
  assert.equal(parseTraceLine('spapr_iommu_put liobn=0x171000002 ioba=0x1000 tce=0x3 ret=-4'), {
    kind: 'put', pci: false, liobn: 0x71000002, liobnHi: 1, ioba: 0x1000n, tce: 0x3n, ret: -4,
  });
});

test('a malformed spapr_iommu line is refused, naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3', /spapr_iommu_put: expected 4 fields \(liobn ioba tce ret\), got 3/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3 ret=0 extra=1', /expected 4 fields .*got 5/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1000 ret=0 tce=0x3', /field 3 is "ret=0", expected tce=… \(fields: liobn ioba tce ret\)/],
    ['spapr_iommu_get liobn=0x71000002 ioba=0x1000 tce=0x0 ret=0', /field 3 is "tce=0x0", expected ret=…/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=3 ret=0', /tce "3" is not a hex number/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1g00 tce=0x3 ret=0', /ioba "0x1g00" is not a hex number/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x10000000000000000 tce=0x3 ret=0', /ioba 0x10000000000000000 does not fit in 64 bits/],
    ['spapr_iommu_put liobn=0x10000000071000002 ioba=0x1000 tce=0x3 ret=0', /liobn 0x10000000071000002 does not fit in 64 bits/],
    ['spapr_iommu_put liobn=0x180000000 ioba=0x1000 tce=0x3 ret=-4', /liobn 0x180000000 is a PCI LIOBN \(bit 31\), so QEMU would print spapr_iommu_pci_put/],
    ['spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3 ret=0x0', /ret "0x0" is not a signed decimal number/],
    ['spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x0 tcevalue=0x0 npages=many ret=0', /npages "many" is not a signed decimal/],
    ['spapr_iommu_put liobn=0x71000002  ioba=0x1000 tce=0x3 ret=0', /expected 4 fields/],
    ['spapr_iommu_put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=0', /liobn 0x80000000 is a PCI LIOBN \(bit 31\), so QEMU would print spapr_iommu_pci_put/],
    ['spapr_iommu_pci_get liobn=0x71000002 ioba=0x1000 ret=0 tce=0x3', /is not a PCI LIOBN .* would print spapr_iommu_get/],
    ['spapr_iommu_putt liobn=0x71000002 ioba=0x1000 tce=0x3 ret=0', /unknown event spapr_iommu_putt/],
    ['spapr_iommu_pci_new_table liobn=0x80000000 table=0x1 fd=-1', /unknown event spapr_iommu_pci_new_table/],
    ['spapr_iommu_ddw_create buid=0x1 addr=0x0, page size=0x10000, liobn=0x80000001', /ddw_create: expected "buid=… addr=…, page size=…, requested=…/],
    ['spapr_iommu_ddw_remove liobn=0x180000001', /ddw_remove: liobn 0x180000001 does not fit in 32 bits/],
    ['spapr_iommu_new_table liobn=0x71000002 table=0x558b61583ba0', /spapr_iommu_new_table: expected 3 fields/],
  ];
  for (const [line, problem] of cases) assert.throws(() => parseTraceLine(line), (e: unknown) => e instanceof RangeError && problem.test(e.message), line);
});

test('every line of the sample trace prints back byte for byte', () => {
  const r = new TraceReader(SAMPLE_TRACE);
  let lines = 0;
  for (let text = r.nextLine(); text !== null; text = r.nextLine()) {
    const e = parseTraceLine(text);
    assert.ok(e !== null, text);
    assert.is(formatTraceEvent(e), text);
    lines++;
  }
  assert.is(lines, 10533);
});

test.run();
