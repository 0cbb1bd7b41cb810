import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FALLBACK, parseTraceBytes } from '../../src/trace/trace-bytes.js';
import type { QemuTraceEvent } from '../../src/trace/trace-events.js';
import { parseTraceLine } from '../../src/trace/trace-line.js';
import { TraceReader } from '../../src/trace/trace-reader.js';
import { SAMPLE_TRACE, damagedLines } from './support.js';

type Outcome = { event: QemuTraceEvent | null } | { error: string };

function viaText(line: string): Outcome {
  try {
    return { event: parseTraceLine(line) };
  } catch (e) {
    return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** What the reader answers for a line: the byte parser, or the text parser where it steps aside. */
function viaBytes(line: string): Outcome & { fast: boolean } {
  const b = Buffer.from(line, 'latin1');
  const r = parseTraceBytes(b, 0, b.length);
  return r === FALLBACK ? { ...viaText(line), fast: false } : { event: r, fast: true };
}

function same(line: string): boolean {
  const { fast: _fast, ...bytes } = viaBytes(line);
  assert.equal(bytes, viaText(line), line);
  return true;
}

const SAMPLE_LINES = readFileSync(SAMPLE_TRACE, 'latin1').split('\n').filter((l) => l !== '');

test('every line of the sample trace: the byte parser gives the text parser\'s event, and takes every hcall line itself', () => {
  let fast = 0;
  for (const line of SAMPLE_LINES) {
    same(line);
    const r = viaBytes(line);
    if (r.fast) fast++;
    const isHcall = /^spapr_iommu_(pci_)?(put|get|indirect|stuff) /.test(line);
    assert.is(r.fast, isHcall, line);
  }
  assert.is(fast, 10_530);
});

test('edge forms: timestamps, both variants, 64-bit and odd numbers, the rare events — same answer as the text parser', () => {
  const lines = [
    '4711@1700000000.123456:spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=0',
    '4711@1700000000.:spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=0',
    '4711@1700000000.5 spapr_iommu_pci_put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=0',
    '12@3.4:not a trace line',
    'spapr_iommu_put liobn=0x71000002 ioba=0xffffffffffff0000 tce=0xffffffffffffffff ret=-4',
    'spapr_iommu_put liobn=0x71000002 ioba=0x0000000000000000001000 tce=0x0FfF ret=-0',
    'spapr_iommu_put liobn=0x0071000002 ioba=0x1000 tce=0x3 ret=000000000000000000001',
    'spapr_iommu_put liobn=0x71000002 ioba=0x10000000000000 tce=0x20000000000001 ret=0',
    'spapr_iommu_put liobn=0x71000002 ioba=0x1fffffffffffff tce=0x123456789abcdef ret=0',
    'spapr_iommu_put liobn=0x71000002 ioba=0x10000000000000000 tce=0x3 ret=0',
    'spapr_iommu_put liobn=0x171000002 ioba=0x1000 tce=0x3 ret=0',
    'spapr_iommu_pci_get liobn=0xffffffff80000000 ioba=0x1008 ret=-4 tce=0x0',
    'spapr_iommu_pci_put liobn=0x00000000000000000180000000 ioba=0x1000 tce=0x3 ret=-4',
    'spapr_iommu_put liobn=0x10000000071000002 ioba=0x1000 tce=0x3 ret=-4',
    'spapr_iommu_put liobn=0x180000000 ioba=0x1000 tce=0x3 ret=-4',
    'spapr_iommu_indirect liobn=0x123456789 ioba=0x0 tcelist=0x1000 iobaN=0x0 tceN=0x3 ret=-4',
    'spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3 ret=1234567890123456789',
    'spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3 ret=12345678901234567890',
    'spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3 ret=9007199254740993',
    'spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3 ret=0 ',
    'spapr_iommu_put liobn=0x71000002 ioba=0x1000 tce=0x3',
    'spapr_iommu_put',
    'spapr_iommu_put ',
    'spapr_iommu_pci_',
    'spapr_iommu_',
    'spapr_iommu_get liobn=0x71000002 ioba=0x2000 ret=-4 tce=0x0',
    'spapr_iommu_pci_get liobn=0x71000002 ioba=0x1000 ret=0 tce=0x3',
    'spapr_iommu_put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=0',
    'spapr_iommu_indirect liobn=0x71000003 ioba=0xc000000 tcelist=0x2290000 iobaN=0xf tceN=0x4b4f003 ret=0',
    'spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x200000 tcevalue=0x0 npages=512 ret=0',
    'spapr_iommu_pci_stuff liobn=0x80000000 ioba=0x200000 tcevalue=0x0 npages=-512 ret=0',
    'spapr_iommu_new_table liobn=0x71000002 table=0x558b61583ba0 fd=-1',
    'spapr_iommu_ddw_create buid=0x800000020000000 addr=0x0, page size=0x10000, requested=0x40000000, start addr=0x800000000000000, liobn=0x80000001',
    'spapr_iommu_ddw_remove liobn=0x80000001',
    'spapr_iommu_xlate liobn=0x80000000 ioba=0x1000 tce=0x3e370003 perm=3 mask=0xfff',
    'spapr_iommu_putt liobn=0x71000002 ioba=0x1000 tce=0x3 ret=0',
    'spapr_iommu_pci_new_table liobn=0x80000000 table=0x1 fd=-1',
  ];
  for (const line of lines) same(line);
  // The fast path takes the unusual-but-valid forms too, not only the ones QEMU prints.
  assert.ok(viaBytes(lines[5] as string).fast);
  assert.ok(viaBytes(lines[8] as string).fast);
  // A 64-bit LIOBN (a bad call QEMU printed) is the fast path's too, its high word apart, with no bigint for it.
  const wide = lines.indexOf('spapr_iommu_pci_get liobn=0xffffffff80000000 ioba=0x1008 ret=-4 tce=0x0');
  assert.equal(viaBytes(lines[wide] as string), {
    event: { kind: 'get', pci: true, liobn: 0x80000000, liobnHi: 0xffffffff, ioba: 0x1008n, ret: -4, tce: 0n }, fast: true,
  });
  assert.ok(viaBytes(lines[wide + 1] as string).fast, 'leading zeros past 16 digits');
  assert.not.ok(viaBytes(lines[wide + 2] as string).fast, 'past 64 bits: the text parser names it');
  assert.equal(viaBytes(lines[8] as string), {
    event: { kind: 'put', pci: false, liobn: 0x71000002, liobnHi: 0, ioba: 0x1fffffffffffffn, tce: 0x123456789abcdefn, ret: 0 }, fast: true,
  });
});

test('any damage to a real line: the byte parser and the text parser agree (event or the same error)', () => {
  const damaged = damagedLines(SAMPLE_LINES.slice(0, 2000));
  fc.assert(fc.property(damaged, same), { seed: 0x7ace_b17e, numRuns: 3000 });
});

test('the reader gives the same events and the same errors as before: a whole trace, and a damaged line named by its number', () => {
  const r = new TraceReader(SAMPLE_TRACE);
  let i = 0;
  for (let e = r.next(); e !== null; e = r.next()) {
    assert.equal(e, parseTraceLine(SAMPLE_LINES[i] as string));
    i++;
  }
  assert.is(i, SAMPLE_LINES.length);
  const file = join(tmpdir(), `tcesim-trace-bytes-${process.pid}.log`);
  writeFileSync(file, `${SAMPLE_LINES.slice(0, 5).join('\r\n')}\r\nspapr_iommu_put liobn=0x71000002 ioba=0x1g00 tce=0x3 ret=0\r\n`);
  const bad = new TraceReader(file);
  for (let k = 0; k < 5; k++) assert.ok(bad.next() !== null);
  assert.throws(() => bad.next(), (e: unknown) => e instanceof Error && /:6: .*ioba "0x1g00" is not a hex number/.test(e.message));
});

test.run();
