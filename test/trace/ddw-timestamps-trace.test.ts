/**
 * A second DDW trace, as QEMU 7.2's log backend prints it with `-msg timestamp=on` (each line
 * `TID@SECONDS.MICROS:`), with a QEMU message and another trace point between its lines: DDW on
 * PHB 1, a window created, used, removed, created again with another page size and size, the
 * default window removed and brought back by QEMU's own reset, and bad calls on removed windows,
 * past a window's end and on an unknown LIOBN. Userspace mode prints its spapr_iommu lines back
 * byte for byte (without the prefix, but for the host pointers of new_table); realmode and
 * virtmode end with the same final tables (`tcesim tables --diff`); `report LOG` prints the
 * run's trace counts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { scanTrace } from '../../src/trace/trace-scan.js';
import { ROOT } from '../helpers.js';
import { tempDir } from './support.js';

const TRACE = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-ddw-timestamps-synthetic.log');
const dir = tempDir();
const log = (mode: string): string => join(dir, `${mode}.tcelog`);

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

/** The trace's spapr_iommu lines without the log backend's prefix, host pointers masked. */
function expectedLines(): string {
  return readFileSync(TRACE, 'latin1').split('\n').map((l) => l.replace(/^\d+@\d+\.\d+:/, ''))
    .filter((l) => l.startsWith('spapr_iommu_')).map((l) => `${l}\n`).join('').replace(/ table=0x[0-9a-f]+ /g, ' table=PTR ');
}

test('the pre-scan reads the prefixed lines and skips the others', () => {
  const s = scanTrace(TRACE, undefined, 0x40000000);
  assert.equal([s.calls, s.rtasCalls, s.noTableCalls, s.reconstructedLists, s.skippedLines, s.mangledLines], [32, 9, 5, 1, 2, 0]);
  assert.equal(s.phbs.map((p) => p.index), [1]);
});

test('userspace mode prints every spapr_iommu line back byte for byte, DDW, new_table and failed calls included', async () => {
  const out = join(dir, 'emitted.log');
  const r = await cli('run', '--trace', TRACE, '--mode', 'userspace', '--inline', '--emit-qemu-trace', out, '--log', log('userspace'));
  assert.is(r.code, 0, r.err.join('\n'));
  assert.is(readFileSync(out, 'latin1').replace(/ table=0x[0-9a-f]+ /g, ' table=PTR '), expectedLines());
  assert.ok(r.out.includes('trace answers: 23 hcalls checked, 0 answered otherwise than in the trace'), r.out.join('\n'));
});

test('realmode and virtmode answer every call as the trace and end with userspace\'s final tables (tables --diff)', async () => {
  for (const mode of ['realmode', 'virtmode']) {
    const r = await cli('run', '--trace', TRACE, '--mode', mode, '--inline', '--log', log(mode));
    assert.is(r.code, 0, r.err.join('\n'));
    assert.ok(r.out.includes('trace answers: 23 hcalls checked, 0 answered otherwise than in the trace'), mode);
    const d = await cli('tables', '--diff', log(mode), log('userspace'));
    assert.equal([d.code, d.out.at(-1)], [0, 'final tables identical: 4 tables, 7 non-zero entries'], mode);
  }
  const t = await cli('tables', log('realmode'));
  assert.ok(t.out.includes('guest 0x80000101: 4 non-zero entries'), 'the last window\'s reconstructed list: four entries of the same TCE');
});

test.run();
