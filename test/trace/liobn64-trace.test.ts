import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayRecords } from '../../src/events/replay.js';
import { MODES, type Mode } from '../../src/papr/tiers.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions, type RunOptions } from '../../src/pipeline/run-options.js';
import { QemuTraceWriter } from '../../src/trace/qemu-trace-writer.js';
import type { TraceAnswerCheck } from '../../src/trace/trace-answer-check.js';
import { scanTrace } from '../../src/trace/trace-scan.js';
import { ROOT } from '../helpers.js';
import { tempDir, traceFile } from './support.js';

/**
 * QEMU 7.2's format: normal calls with, among them, bad puts and gets whose LIOBN has upper bits
 * set (QEMU prints the guest's 64-bit r4 and answers H_PARAMETER), some whose low word names a
 * live table.
 */
const TRACE = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-liobn64-synthetic.log');
const CALLS = 11;
const dir = tempDir();

function run(mode: Mode, over: Partial<RunOptions> = {}, file = TRACE, calls = CALLS): ReturnType<typeof runInline> {
  return runInline({
    ...defaultRunOptions(), mode, vcpus: 1, workload: 'trace', workloadParams: { file }, calls, ringRecords: 2 ** 12, keepRecords: true, ...over,
  });
}

const pointerless = (text: string): string => text.replace(/ table=0x[0-9a-f]+ /g, ' table=PTR ');

test('the pre-scan takes the 64-bit LIOBN lines as calls without a table', () => {
  const s = scanTrace(TRACE, undefined, 0x40000000);
  assert.equal([s.calls, s.noTableCalls], [CALLS, 5]);
});

test('a trace with 64-bit LIOBN calls replays in every mode, each answer as the trace shows, and the tables end the same', () => {
  const finals = MODES.map((mode) => {
    const check: TraceAnswerCheck = { checked: 0, differing: 0, first: null };
    const r = run(mode, { traceCheck: check });
    assert.is(r.stats.completed, CALLS, mode);
    assert.equal([check.checked, check.differing, check.first], [CALLS, 0, null], mode);
    const rep = replayRecords(r.records as Int32Array, r.recordCount);
    assert.equal(rep.mismatches, [], mode);
    return JSON.stringify([...(rep.recorded ?? new Map())].map(([k, t]) => [k, [...t].map(([i, v]) => [i, v.toString(16)])]).sort());
  });
  assert.is(finals[0], finals[1]);
  assert.is(finals[1], finals[2]);
  // The bad put on 0xffffffff80000000 (low word: the PHB's default window) left that window's entry 1 as it was.
  assert.ok(finals[0]?.includes('[1,"1003"]'), finals[0]);
});

test('in userspace mode --emit-qemu-trace writes the 64-bit LIOBN lines back byte for byte', () => {
  const out = join(dir, 'liobn64-emitted.log');
  const w = new QemuTraceWriter(out);
  try {
    run('userspace', { qemuTrace: w });
  } finally {
    w.close();
  }
  const emitted = readFileSync(out, 'latin1');
  assert.is(pointerless(emitted), pointerless(readFileSync(TRACE, 'latin1')));
  assert.ok(emitted.includes('spapr_iommu_get liobn=0xdeadbeef71000002 ioba=0x2000 ret=-4 tce=0x0\n'));
});

test('an indirect or stuff line on a 64-bit LIOBN is refused: QEMU answers such a call before its trace point', () => {
  for (const line of [
    'spapr_iommu_pci_indirect liobn=0x180000000 ioba=0x0 tcelist=0x1000 iobaN=0x0 tceN=0x3 ret=-4',
    'spapr_iommu_pci_stuff liobn=0x180000000 ioba=0x0 tcevalue=0x0 npages=0 ret=-4',
  ]) {
    const file = traceFile(dir, 'liobn64-bad.log', [line]);
    assert.throws(() => scanTrace(file, undefined, 0x40000000), /:1: .* on liobn 0x180000000, which has no table at this line, but QEMU prints/, line);
  }
});

test.run();
