import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { SAMPLE_HCALLS, SAMPLE_TRACE, sampleHcallLines, tempDir, traceFile } from './support.js';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const dir = tempDir();
const first = sampleHcallLines().split('\n').slice(0, 300);
const short = traceFile(dir, 'short.log', first);

test('tcesim run --trace: one vCPU, as many calls as the trace has, and the QEMU trace emitted', async () => {
  const emitted = join(dir, 'short-emitted.log');
  const r = await run('run', '--trace', short, '--mode', 'userspace', '--inline', '--emit-qemu-trace', emitted);
  assert.equal(r.err, []);
  assert.is(r.code, 0);
  assert.is(r.out[0]?.split('\n')[0], 'tcesim run: mode userspace, workload trace, 1 vCPU(s) x 300 calls, seed 1');
  // The new_table line of the one table used (the trace has none), then every call's line.
  assert.is(r.out.at(-1), `qemu trace: ${emitted} (301 lines)`);
  const [head, ...rest] = readFileSync(emitted, 'latin1').split('\n');
  assert.match(head as string, /^spapr_iommu_new_table liobn=0x80000000 table=0x[0-9a-f]+ fd=-1$/);
  assert.is(rest.join('\n'), first.map((l) => `${l}\n`).join(''));
});

test('--calls fewer than the trace has replays its beginning; --trace-table overrides a table', async () => {
  const emitted = join(dir, 'first-10.log');
  const r = await run('run', '--trace', short, '--calls', '10', '--mode', 'userspace', '--inline', '--emit-qemu-trace', emitted,
    '--trace-table', '0x80000000:4K:0:2G', '--trace-table', '0x71000002:4K:0:256M');
  assert.is(r.code, 0, r.err.join('\n'));
  const lines = readFileSync(emitted, 'latin1').split('\n');
  assert.equal(lines.slice(0, 2).map((l) => l.replace(/table=0x[0-9a-f]+/, 'table=PTR')), [
    'spapr_iommu_new_table liobn=0x71000002 table=PTR fd=-1', 'spapr_iommu_new_table liobn=0x80000000 table=PTR fd=-1',
  ]);
  assert.is(lines.slice(2).join('\n'), first.slice(0, 10).map((l) => `${l}\n`).join(''));
});

test('misuse of --trace is one line naming the bad value, exit 2', async () => {
  const malformed = traceFile(dir, 'malformed.log', [first[0] as string, 'spapr_iommu_pci_put liobn=0x80000000 ioba=0x2000 tce=0x3e371003']);
  const empty = traceFile(dir, 'empty.log', ['qemu-system-ppc64: terminating on signal 15']);
  const narrow = traceFile(dir, 'narrow.log', ['spapr_iommu_pci_put liobn=0x80000000 ioba=0x40000000 tce=0x3 ret=0']);
  const missing = join(dir, 'missing.log');
  const cases: [string[], RegExp][] = [
    [['run', '--trace', missing], new RegExp(`^tcesim: ${missing}: cannot read the trace \\(no such file\\)$`)],
    [['run', '--trace', dir], /: cannot read the trace \(it is a folder\)$/],
    [['run', '--trace', SAMPLE_TRACE, '--vcpus', '2'], /^tcesim: --vcpus 2: a trace is one guest's call stream; replay it on 1 vCPU$/],
    [['run', '--trace', SAMPLE_TRACE, '--calls', String(SAMPLE_HCALLS + 1)],
      new RegExp(`^tcesim: --calls ${SAMPLE_HCALLS + 1}: the trace .*qemu-7\\.2-pseries-ddw-off\\.log has only ${SAMPLE_HCALLS} hypercalls$`)],
    [['run', '--trace', SAMPLE_TRACE, '--calls', 'all'], /^tcesim: --calls "all" is not a non-negative integer$/],
    [['run', '--trace', malformed], /malformed\.log:2: spapr_iommu_pci_put: expected 4 fields \(liobn ioba tce ret\), got 3$/],
    [['run', '--trace', empty], /empty\.log: no spapr_iommu hcall lines in its 1 lines: nothing to replay$/],
    [['run', '--trace', narrow], /narrow\.log:1: put succeeded, but ioba 0x40000000 lies outside the window, on liobn 0x80000000's window of 262144 × 4 KiB pages at 0x0/],
    [['run', '--trace', short, '--trace-table', '0x80000000:3K:0:1G'], /^tcesim: --trace-table "0x80000000:3K:0:1G": page size 0xc00 must be a power of two/],
    [['run', '--trace', short, '--trace-table', '0x80000000:4K:0:1G', '--trace-table', '0x80000000:4K:0:2G'], /--trace-table "0x80000000:4K:0:2G": liobn 0x80000000 is given twice/],
    [['run', '--trace', short, '--trace-table', '0x80000000:64K'], /^tcesim: --trace-table "0x80000000:64K" must be LIOBN:PAGE:OFFSET:SIZE \(e\.g\. 0x80000000:4K:0:1G\)$/],
    [['run', '--trace-table', '0x80000000:4K:0:1G'], /^tcesim: --trace-table 0x80000000:4K:0:1G needs --trace FILE$/],
    [['run', '--trace', short, '--workload', 'nic'], /^tcesim: --trace .*short\.log and --workload nic both choose the workload: give one$/],
    [['run', '--workload', 'trace'], /workload trace needs file=PATH \(or: tcesim run --trace PATH\)$/],
    [['run', '--workload', `trace:file=${short}`, '--vcpus', '3'], /--vcpus 3: a trace is one guest's call stream/],
    [['run', '--workload', `trace:file=${short},tables=0x80000000:4K`], /table "0x80000000:4K" must be LIOBN:PAGE:OFFSET:SIZE/],
    [['run', '--trace', short, '--emit-qemu-trace', join(dir, '.', 'short.log')], /^tcesim: --emit-qemu-trace .*short\.log is the trace being replayed: write it elsewhere$/],
    [['run', '--workload', `trace:file=${short}`, '--emit-qemu-trace', short], /is the trace being replayed/],
    [['run', '--trace', short, '--emit-qemu-trace', join(dir, 'no-such-folder', 'x.log')], /^tcesim: --emit-qemu-trace .*no-such-folder\/x\.log: folder .*no-such-folder does not exist$/],
  ];
  for (const [argv, message] of cases) {
    const r = await run(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.err.length, 1, argv.join(' '));
    assert.match(r.err[0] as string, message, argv.join(' '));
  }
});

test('help lists the trace options', async () => {
  const r = await run('help', 'run');
  assert.match(r.out[0] as string, /--trace FILE/);
  assert.match(r.out[0] as string, /--trace-table LIOBN:PAGE:OFFSET:SIZE/);
  assert.match(r.out[0] as string, /--emit-qemu-trace FILE/);
});

test.run();
