import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TraceFormatError } from '../../src/trace/trace-error.js';
import { TraceReader } from '../../src/trace/trace-reader.js';
import { SAMPLE_TRACE, tempDir, traceFile } from './support.js';

const dir = tempDir();

function readAll(file: string, bufferBytes?: number): { kinds: string[]; lines: number; skipped: number } {
  const r = new TraceReader(file, bufferBytes);
  const kinds: string[] = [];
  try {
    for (let e = r.next(); e !== null; e = r.next()) kinds.push(`${r.line}:${e.kind}`);
  } finally {
    r.close();
  }
  return { kinds, lines: r.line, skipped: r.skipped };
}

test('lines split across reads come out whole, whatever the buffer size', () => {
  const whole = readAll(SAMPLE_TRACE);
  assert.is(whole.kinds.length, 10533);
  assert.is(whole.lines, 10533);
  // A buffer barely longer than the longest line forces a refill in the middle of most lines.
  const small = readAll(SAMPLE_TRACE, 128);
  assert.equal(small.kinds, whole.kinds);
});

test('CRLF endings, a last line without a newline, blank and foreign lines', () => {
  const file = join(dir, 'mixed.log');
  writeFileSync(file, [
    'spapr_iommu_new_table liobn=0x71000002 table=0x1 fd=-1\r\n',
    '\n',
    'vfio_listener_region_add_iommu region_add [iommu] 0x0 - 0x3fffffff\n',
    'spapr_iommu_put liobn=0x71000002 ioba=0x0 tce=0x3 ret=0',
  ].join(''));
  assert.equal(readAll(file, 96), { kinds: ['1:new_table', '4:put'], lines: 4, skipped: 2 });
});

test('a malformed line is an error naming the file, the line number and the problem', () => {
  const file = traceFile(dir, 'bad.log', [
    'spapr_iommu_new_table liobn=0x71000002 table=0x1 fd=-1',
    'spapr_iommu_put liobn=0x71000002 ioba=0x0 tce=0x3 ret=0',
    'spapr_iommu_put liobn=0x71000002 ioba=0x1000 tcee=0x3 ret=0',
  ]);
  try {
    readAll(file);
    assert.unreachable('read a malformed line');
  } catch (e) {
    assert.instance(e, TraceFormatError);
    const err = e as TraceFormatError;
    assert.is(err.line, 3);
    assert.is(err.message, `${file}:3: spapr_iommu_put: field 3 is "tcee=0x3", expected tce=… (fields: liobn ioba tce ret)`);
  }
});

test('a line longer than the buffer, and a file that cannot be read, are named', () => {
  const long = traceFile(dir, 'long.log', ['spapr_iommu_put liobn=0x71000002 ioba=0x0 tce=0x3 ret=0', `x${'y'.repeat(300)}`]);
  assert.throws(() => readAll(long, 256), (e: unknown) => e instanceof TraceFormatError && e.message === `${long}:2: line is longer than 256 bytes: not a QEMU trace`);
  const missing = join(dir, 'missing.log');
  assert.throws(() => new TraceReader(missing), (e: unknown) => e instanceof TraceFormatError && e.message === `${missing}: cannot read the trace (no such file)`);
  assert.throws(() => readAll(dir), (e: unknown) => e instanceof TraceFormatError && e.message === `${dir}: cannot read the trace (it is a folder)`);
  if (process.getuid?.() !== 0) {
    const locked = traceFile(dir, 'locked.log', []);
    chmodSync(locked, 0o000);
    assert.throws(() => new TraceReader(locked), /cannot read the trace \(permission denied\)/);
  }
});

test.run();
