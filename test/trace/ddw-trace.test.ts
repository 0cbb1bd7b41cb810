import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayRecords } from '../../src/events/replay.js';
import { MODES, type Mode } from '../../src/papr/tiers.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions, type RunOptions } from '../../src/pipeline/run-options.js';
import { QemuTraceWriter } from '../../src/trace/qemu-trace-writer.js';
import { TraceFormatError } from '../../src/trace/trace-error.js';
import { scanTrace } from '../../src/trace/trace-scan.js';
import type { TraceAnswerCheck } from '../../src/trace/trace-answer-check.js';
import { ROOT } from '../helpers.js';
import { tempDir, traceFile } from './support.js';

/** A trace in QEMU 7.2's format with DDW: query, create, use, remove (default and not), the automatic and an explicit reset, unknown LIOBNs. */
const DDW_TRACE = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-ddw-synthetic.log');
const CALLS = 24;
const dir = tempDir();

function run(mode: Mode, file = DDW_TRACE, over: Partial<RunOptions> = {}): ReturnType<typeof runInline> {
  return runInline({
    ...defaultRunOptions(), mode, vcpus: 1, workload: 'trace', workloadParams: { file }, calls: CALLS, ringRecords: 2 ** 12, keepRecords: true, ...over,
  });
}

const pointerless = (text: string): string => text.replace(/ table=0x[0-9a-f]+ /g, ' table=PTR ');

test('the pre-scan counts RTAS calls (the reset QEMU prints after a remove is none), calls without a table and reconstructed lists', () => {
  const s = scanTrace(DDW_TRACE, undefined, 0x40000000);
  assert.equal([s.calls, s.rtasCalls, s.noTableCalls, s.reconstructedLists], [CALLS, 8, 4, 1]);
  assert.equal(s.phbs, [{ index: 0, dmaWinAddr: 0n, dmaWinSize: 0x40000000n }]);
  assert.equal(s.tables.map((g) => g.liobn), [0x71000002]);
});

test('in userspace mode the replay prints every spapr_iommu line of the trace back, DDW and no-table lines included (new_table but for its pointer)', () => {
  const out = join(dir, 'ddw-emitted.log');
  const w = new QemuTraceWriter(out);
  try {
    run('userspace', DDW_TRACE, { qemuTrace: w });
  } finally {
    w.close();
  }
  assert.is(pointerless(readFileSync(out, 'latin1')), pointerless(readFileSync(DDW_TRACE, 'latin1')));
});

test('the trace replays in every mode (each RTAS answer as QEMU gave it) and ends with the same final tables', () => {
  const finals = MODES.map((mode) => {
    const r = run(mode);
    assert.is(r.stats.completed, CALLS, mode);
    const rep = replayRecords(r.records as Int32Array, r.recordCount);
    assert.equal(rep.chainBreaks, [], mode);
    assert.equal(rep.mismatches, [], mode);
    return JSON.stringify([...(rep.recorded ?? new Map())].map(([k, t]) => [k, [...t].map(([i, v]) => [i, v.toString(16)])]).sort());
  });
  assert.is(finals[0], finals[1]);
  assert.is(finals[1], finals[2]);
  assert.ok(finals[0]?.includes('guest:0x80000000'));
  assert.not.ok(finals[0]?.includes('guest:0x80000001'), 'the removed window is gone');
});

test('an RTAS answer that differs from the trace stops the replay, naming the line', () => {
  const lines = readFileSync(DDW_TRACE, 'latin1').split('\n').filter((l) => l !== '');
  const bad = lines.map((l) => l.replace('1 windows available', '2 windows available'));
  const file = traceFile(dir, 'ddw-bad-query.log', bad);
  try {
    run('virtmode', file);
    assert.unreachable('the replay went on');
  } catch (e) {
    assert.instance(e, TraceFormatError);
    assert.match((e as Error).message, /ddw-bad-query\.log:5: ddw_query replayed as its RTAS call answered \[0, 0x1, 0x80000000, 0x107, 0\]; QEMU answered \[0, 0x2, /);
  }
});

test('every hcall answer is checked against the trace: a path that answers otherwise is counted and the first one named', () => {
  // 64 KiB pages: the second TCE is not aligned to them; real mode (its kernel page allocated by
  // the first call) refuses it, QEMU (through virtual mode) takes it, as QEMU did.
  const file = traceFile(dir, 'misaligned.log', [
    'spapr_iommu_put liobn=0x71000002 ioba=0x20000 tce=0x20003 ret=0',
    'spapr_iommu_put liobn=0x71000002 ioba=0x10000 tce=0x1003 ret=0',
    'spapr_iommu_get liobn=0x71000002 ioba=0x20000 ret=0 tce=0x20003',
  ]);
  const params = { file, tables: '0x71000002:64K:0:256M' };
  for (const [mode, differing] of [['userspace', 0], ['virtmode', 0], ['realmode', 1]] as const) {
    const check: TraceAnswerCheck = { checked: 0, differing: 0, first: null };
    run(mode, file, { workloadParams: params, calls: 3, traceCheck: check });
    assert.equal([check.checked, check.differing], [3, differing], mode);
    if (differing > 0) assert.match(check.first as string, /misaligned\.log:2: answered -4 by realmode, the trace says 0/);
  }
});

test('a DDW line the windows cannot have printed is refused by the pre-scan', () => {
  const lines = readFileSync(DDW_TRACE, 'latin1').split('\n').filter((l) => l !== '');
  const twice = [...lines.slice(0, 7), lines[6] as string];
  assert.throws(() => scanTrace(traceFile(dir, 'ddw-twice.log', twice), undefined, 0x40000000), /:8: ddw_create of liobn 0x80000001, but that window is enabled/);
  const removeDisabled = [...lines.slice(0, 4), 'spapr_iommu_ddw_remove liobn=0x80000001'];
  assert.throws(() => scanTrace(traceFile(dir, 'ddw-remove.log', removeDisabled), undefined, 0x40000000), /:5: ddw_remove of liobn 0x80000001, but that window is not enabled/);
});

test.run();
