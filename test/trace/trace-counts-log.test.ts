/**
 * A trace run's counts (calls replayed, RTAS calls, calls without a table, reconstructed INDIRECT
 * lists, skipped lines, answers checked and differing) go into the event log as one TRACE_COUNTS
 * record, so `tcesim report LOG` prints the lines `run` printed; replay, verify and export read
 * the log as before.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { ROOT } from '../helpers.js';
import { tempDir, traceFile } from './support.js';

const DDW_TRACE = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-ddw-timestamps-synthetic.log');
const dir = tempDir();

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const traceLines = (out: readonly string[]): string[] => out.filter((l) => l.startsWith('trace '));

test('report LOG prints the trace counts run printed, from the log alone; replay --verify and export still read it', async () => {
  const log = join(dir, 'ddw.tcelog');
  const r = await cli('run', '--trace', DDW_TRACE, '--mode', 'virtmode', '--log', log, '--inline');
  assert.is(r.code, 0, r.err.join('\n'));
  const printed = traceLines(r.out);
  assert.equal(printed, [
    `trace ${DDW_TRACE}: 32 calls replayed: 23 hcalls, 9 RTAS calls (ddw_* lines), 5 on a LIOBN without a table, ` +
      '1 INDIRECT lists reconstructed (not Linux\'s consecutive layout); 1 PHB(s) with DDW modelled; 2 lines skipped (not spapr_iommu_ events)',
    'trace answers: 23 hcalls checked, 0 answered otherwise than in the trace',
  ]);
  const rep = await cli('report', log);
  assert.is(rep.code, 0, rep.err.join('\n'));
  assert.equal(traceLines(rep.out), printed);
  const v = await cli('replay', log, '--verify');
  assert.equal([v.code, v.out.at(-1)], [0, 'verify: OK']);
  const e = await cli('export', log, '--chrome', join(dir, 'ddw.json'));
  assert.is(e.code, 0, e.err.join('\n'));
});

test('answers that differ from the trace, and mangled lines, are in the log too: report names the first difference as run does', async () => {
  // 64 KiB pages: real mode refuses the second TCE (not aligned to them); QEMU took it.
  const file = traceFile(dir, 'misaligned.log', [
    'spapr_iommu_put liobn=0x71000002 ioba=0x20000 tce=0x20003 ret=0',
    'spapr_iommu_put liobn=0x71000002 ioba=0x10000 tce=0x1003 ret=0',
    'junk spapr_iommu_put liobn=0x71000002 ioba=0x0 tce=0x3 ret=0',
    'spapr_iommu_get liobn=0x71000002 ioba=0x20000 ret=0 tce=0x20003',
  ]);
  const log = join(dir, 'misaligned.tcelog');
  const r = await cli('run', '--trace', file, '--trace-table', '0x71000002:64K:0:256M', '--mode', 'realmode', '--log', log, '--inline');
  assert.is(r.code, 0, r.err.join('\n'));
  const printed = traceLines(r.out);
  assert.equal(printed.slice(1), [
    `trace ${file}: 1 skipped line(s) name a spapr_iommu_ event after other text (first: line 3); not QEMU's form, so they were not replayed`,
    `trace answers: 3 hcalls checked, 1 answered otherwise than in the trace (first: ${file}:2: answered -4 by realmode, the trace says 0)`,
  ]);
  const rep = await cli('report', log);
  assert.equal(traceLines(rep.out), printed);
});

test('a run that is no trace replay writes no counts, and its report prints none', async () => {
  const log = join(dir, 'nic.tcelog');
  assert.is((await cli('run', '--calls', '50', '--vcpus', '1', '--log', log, '--inline')).code, 0);
  const rep = await cli('report', log);
  assert.is(rep.code, 0);
  assert.equal(traceLines(rep.out), []);
});

test.run();
