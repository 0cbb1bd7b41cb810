import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TcesimEvent } from '../../src/events/events.js';
import { H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../../src/papr/hcalls.js';
import { MODES, TIER_USERSPACE, type Mode } from '../../src/papr/tiers.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions, type RunOptions } from '../../src/pipeline/run-options.js';
import type { RunResult } from '../../src/pipeline/run-result.js';
import { QemuTraceWriter, withQemuTrace } from '../../src/trace/qemu-trace-writer.js';
import { TraceFormatError } from '../../src/trace/trace-error.js';
import { SAMPLE_HCALLS, SAMPLE_TRACE, sampleHcallLines, tempDir, traceFile } from './support.js';

const dir = tempDir();

function traceRun(mode: Mode, over: Partial<RunOptions> = {}): RunOptions {
  return {
    ...defaultRunOptions(), mode, vcpus: 1, workload: 'trace', workloadParams: { file: SAMPLE_TRACE }, calls: SAMPLE_HCALLS,
    ringRecords: 2 ** 16, ...over,
  };
}

/** Counts the calls completed and those whose answer was not H_SUCCESS, from the run's event stream. */
function answers(): { completed: number; failed: number; observe: (events$: Observable<TcesimEvent>) => void } {
  const a = {
    completed: 0,
    failed: 0,
    observe: (events$: Observable<TcesimEvent>): void => {
      events$.subscribe((e) => {
        if (e.type !== 'hcall-completed') return;
        a.completed++;
        if (e.ret !== 0) a.failed++;
      });
    },
  };
  return a;
}

/** Calls per hcall in the report's stats, whichever tier answered. */
function perHcall(r: RunResult): Record<string, number> {
  const n: Record<string, number> = {};
  for (const g of r.stats.groups.values()) n[g.opcode.toString(16)] = (n[g.opcode.toString(16)] ?? 0) + g.count;
  return n;
}

/** Bytes the sample maps: 4 KiB per put with permission bits, per indirect entry, per stuffed entry with permission bits. */
function sampleMappedBytes(): number {
  let pages = 0;
  for (const line of sampleHcallLines().split('\n')) {
    const perm = (v: string | undefined): boolean => v !== undefined && (BigInt(v) & 3n) !== 0n;
    if (/_put /.test(line) && perm(/ tce=(\S+)/.exec(line)?.[1])) pages++;
    if (/_indirect /.test(line)) pages += Number(/ iobaN=(\S+)/.exec(line)?.[1]) + 1;
    if (/_stuff /.test(line) && perm(/ tcevalue=(\S+)/.exec(line)?.[1])) pages += Number(/ npages=(\d+)/.exec(line)?.[1]);
  }
  return pages * 4096;
}

const emitted = join(dir, 'emitted.log');

test('the sample trace replays in every mode, every call answered H_SUCCESS, the same bytes mapped', () => {
  const mapped = sampleMappedBytes();
  assert.ok(mapped > 0);
  for (const mode of MODES) {
    const a = answers();
    // In userspace mode the QEMU model also writes its trace (checked below).
    const writer = mode === 'userspace' ? new QemuTraceWriter(emitted) : null;
    let r: RunResult;
    try {
      r = runInline(traceRun(mode, { qemuTrace: writer }), a.observe);
    } finally {
      writer?.close();
    }
    assert.is(a.completed, SAMPLE_HCALLS, mode);
    assert.is(a.failed, 0, mode);
    assert.is(r.stats.completed, SAMPLE_HCALLS, mode);
    assert.equal(perHcall(r), {
      [H_PUT_TCE.toString(16)]: 1668 + 2581, [H_PUT_TCE_INDIRECT.toString(16)]: 837 + 253, [H_STUFF_TCE.toString(16)]: 2757 + 2434,
    }, mode);
    assert.is(r.vcpus[0]?.mappedBytes, mapped, mode);
    // Every hcall line, after the new_table line of each of its 3 tables.
    if (writer !== null) assert.is(writer.lines, SAMPLE_HCALLS + 3);
  }
});

test('in userspace mode --emit-qemu-trace reproduces every spapr_iommu line of the sample byte for byte (new_table but for its host pointer)', () => {
  const pointer = (t: string): string => t.replace(/ table=0x[0-9a-f]+ /g, ' table=PTR ');
  const text = pointer(readFileSync(emitted, 'latin1'));
  const expected = pointer(readFileSync(SAMPLE_TRACE, 'latin1').split('\n').filter((l) => l.startsWith('spapr_iommu_')).map((l) => `${l}\n`).join(''));
  if (text !== expected) {
    const e = text.split('\n');
    const x = expected.split('\n');
    const at = x.findIndex((l, i) => e[i] !== l);
    assert.is(e[at], x[at], `first difference at hcall line ${at + 1}`);
  }
  assert.ok(text === expected);
});

test('in the kernel modes only the calls that reach userspace are emitted, as in QEMU', async () => {
  // 64 KiB pages: the first TCE is not aligned to them, so virtual mode gives it to QEMU, which stores it.
  const trace = traceFile(dir, 'misaligned.log', [
    'spapr_iommu_put liobn=0x71000002 ioba=0x10000 tce=0x1003 ret=0',
    'spapr_iommu_put liobn=0x71000002 ioba=0x20000 tce=0x20003 ret=0',
  ]);
  const params = { file: trace, tables: '0x71000002:64K:0:256M' };
  for (const [mode, lines] of [['userspace', 2], ['virtmode', 1]] as const) {
    const out = join(dir, `emitted-${mode}.log`);
    const r = await withQemuTrace(out, (qemuTrace) => runInline(traceRun(mode, { workloadParams: params, calls: 2, qemuTrace })));
    assert.is(r.stats.tierCalls[TIER_USERSPACE], lines, mode);
    const emitted = readFileSync(out, 'latin1').split('\n').filter((l) => l !== '' && !l.startsWith('spapr_iommu_new_table'));
    assert.is(emitted.length, lines, mode);
    assert.is(emitted[0], 'spapr_iommu_put liobn=0x71000002 ioba=0x10000 tce=0x1003 ret=0', mode);
  }
});

test('the emitted trace is flushed when the run fails', async () => {
  const lines = sampleHcallLines().split('\n').slice(0, 100);
  const trace = traceFile(dir, 'shrinking.log', lines);
  const out = join(dir, 'emitted-failed.log');
  // The scan sees 100 calls; the file then loses half of them before the vCPU reads it.
  const shrink = (): void => writeFileSync(trace, lines.slice(0, 50).map((l) => `${l}\n`).join(''));
  try {
    await withQemuTrace(out, (qemuTrace) => runInline(traceRun('userspace', { workloadParams: { file: trace }, calls: 100, qemuTrace }), shrink));
    assert.unreachable('the run went past the end of the trace');
  } catch (e) {
    assert.instance(e, TraceFormatError);
    assert.match((e as Error).message, /shrinking\.log:50: the trace ended after 50 calls; the run wants more/);
  }
  const hcallLines = readFileSync(out, 'latin1').split('\n').filter((l) => !l.startsWith('spapr_iommu_new_table')).join('\n');
  assert.is(hcallLines, lines.slice(0, 50).map((l) => `${l}\n`).join(''));
});

test.run();
