/**
 * The misuse battery (issue 12): bad arguments, outputs that are inputs or each other, paths
 * that cannot be written, full disks, corrupt and cut logs. Each ends in one line naming the
 * problem, a non-zero exit and no stack trace, within a time limit; no input is destroyed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { ROOT, VECTORS } from '../helpers.js';
import { assertOneLineFailure, editedLog, sameBytes, tcesim } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcesim-misuse-'));
const TRACE = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-pseries-ddw-off.log');

async function inProcess(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`tcesim ${argv.join(' ')}: no answer in 60 s`)), 60_000); });
  try {
    const code = await Promise.race([runCli(argv, (l) => out.push(l), (l) => err.push(l)), hang]);
    return { code, out, err };
  } finally {
    clearTimeout(timer);
  }
}

// A small, whole log, and copies of it broken in the ways the issue lists.
const good = join(dir, 'good.tcelog');
const made = tcesim(['run', '--calls', '3000', '--vcpus', '2', '--log', good]);
if (made.code !== 0) throw new Error(`the test log was not made: ${made.stderr}`);
const KIND = 4; // byte of a record's head word holding its kind
const TIER = 5;

test('argument misuse: one line naming the value, exit 2 (in process)', async () => {
  const trace = join(dir, 'trace.log');
  writeFileSync(trace, readFileSync(TRACE));
  const costs = join(dir, 'costs.json');
  writeFileSync(costs, '{"realmodeEntry": 250}');
  mkdirSync(join(dir, 'a-folder'));
  const cases: [string[], RegExp][] = [
    [['run', '--vcpus', '-1'], /^tcesim: --vcpus -1 must be an integer from 1 to \d+$/],
    [['run', '--calls', '-5'], /^tcesim: --calls -5 must be an integer from 1 to/],
    [['run', '--seed', '-3'], /^tcesim: --seed -3 must be an integer from 0 to/],
    [['run', '--pool-threads', '-2'], /^tcesim: --pool-threads -2 must be an integer from 1 to 16$/],
    [['run', '--vcpus'], /--vcpus/],
    [['run', '--bogus'], /^tcesim: run: Unknown option '--bogus'/],
    [['run', '--cost', 'realmodeEntry=100000000000000000000'], /^tcesim: --cost: cost realmodeEntry = 100000000000000000000 ns is above the largest allowed, 1000000000 ns/],
    [['run', '--costs', join(dir, 'huge-costs.json')], /huge-costs\.json/],
    [['run', '--crash-pool-at-write', '5', '--mode', 'userspace'], /^tcesim: --crash-pool-at-write 5: no virtual-mode pool is in the path of --mode userspace/],
    [['run', '--crash-pool-at-write', '5', '--inline'], /^tcesim: --crash-pool-at-write 5: no virtual-mode pool is in the path of --inline/],
    [['run', '--trace', trace, '--log', trace], /^tcesim: --log .*trace\.log is the trace being replayed: write it elsewhere$/],
    [['run', '--trace', trace, '--emit-qemu-trace', trace], /is the trace being replayed/],
    [['run', '--costs', costs, '--log', costs], /^tcesim: --log .*costs\.json is the --costs file being read: write it elsewhere$/],
    [['run', '--log', join(dir, 'f'), '--emit-qemu-trace', join(dir, '.', 'f')], /^tcesim: --log and --emit-qemu-trace both write .*f: give each output its own file$/],
    [['run', '--log', join(dir, 'no-such', 'x.tcelog')], /^tcesim: --log .*x\.tcelog: folder .*no-such does not exist$/],
    [['run', '--log', join(dir, 'a-folder')], /^tcesim: --log .*a-folder: is a folder, not a file$/],
    [['run', '--log', ''], /^tcesim: --log needs a file name/],
    [['export', good, '--chrome', good], /^tcesim: --chrome .*good\.tcelog is the log being exported: write it elsewhere$/],
    [['bench', '--json', join(dir, 'no-such', 'b.json')], /^tcesim: --json .*b\.json: folder .*no-such does not exist$/],
    [['bench', '--json', join(dir, 'a-folder')], /^tcesim: --json .*a-folder: is a folder, not a file$/],
    [['replay'], /^tcesim: replay needs exactly one log file/],
    [['replay', good, '--verify', '--bogus'], /^tcesim: replay: Unknown option '--bogus'/],
    [['report', join(dir, 'a-folder')], /^tcesim: cannot read log .*a-folder: is a folder \(EISDIR\)$/],
    [['report', join(dir, 'missing.tcelog')], /^tcesim: cannot read log .*missing\.tcelog: no such file or folder \(ENOENT\)$/],
    [['help', 'bogus'], /^tcesim: no help on 'bogus'/],
    [['help', 'run', 'extra'], /^tcesim: help takes one command at most/],
    [['--version', 'x'], /^tcesim: --version takes no arguments/],
    [['start', '--calls', '5'], /^tcesim: start takes no arguments/],
    [['frobnicate'], /^tcesim: unknown command 'frobnicate'/],
    [['compare', '--threshold', '-5', 'a', 'b'], /^tcesim: --threshold "-5" must be a percentage/],
  ];
  writeFileSync(join(dir, 'huge-costs.json'), '{"pageAllocate": 1e20}');
  const before = readFileSync(trace);
  const costsBefore = readFileSync(costs);
  for (const [argv, message] of cases) {
    const r = await inProcess(argv);
    assert.is(r.code, 2, `${argv.join(' ')}: exit ${r.code} (${r.err.join(' | ')})`);
    assert.is(r.err.length, 1, `${argv.join(' ')}: one line, got ${r.err.join(' | ')}`);
    assert.match(r.err[0]!, message, argv.join(' '));
    assert.equal(r.out, [], `${argv.join(' ')}: nothing on stdout`);
  }
  sameBytes(trace, before, 'the replayed trace');
  sameBytes(costs, costsBefore, 'the --costs file');
});

test('conventions: every command has --help, there is --version and help start (exit 0)', async () => {
  for (const command of ['run', 'replay', 'report', 'export', 'bench', 'compare', 'conformance', 'start']) {
    const r = await inProcess([command, '--help']);
    assert.is(r.code, 0, command);
    assert.match(r.out.join('\n'), new RegExp(`^tcesim ${command}`), `${command} --help prints its help`);
    const h = await inProcess(['help', command]);
    assert.equal(h.out, r.out, `help ${command} is ${command} --help`);
  }
  const v = await inProcess(['--version']);
  assert.is(v.code, 0);
  assert.match(v.out[0]!, /^tcesim \d+\.\d+\.\d+$/);
});

test('output failures as a user meets them: one line naming the file and the cause, no stack trace', () => {
  // /dev/full: the log's first write fails.
  assertOneLineFailure(tcesim(['run', '--calls', '100000', '--log', '/dev/full']), 1,
    /^tcesim: cannot write event log \/dev\/full: no space left on device \(ENOSPC\); nothing usable was written$/, '--log /dev/full');
  assertOneLineFailure(tcesim(['run', '--calls', '2000', '--mode', 'userspace', '--emit-qemu-trace', '/dev/full']), 1,
    /^tcesim: cannot write QEMU trace \/dev\/full: no space left on device \(ENOSPC\)/, '--emit-qemu-trace /dev/full');
  assertOneLineFailure(tcesim(['export', good, '--chrome', '/dev/full']), 1,
    /^tcesim: cannot write Chrome trace \/dev\/full: no space left on device \(ENOSPC\)/, 'export --chrome /dev/full');
  // A bad --json path is found before the benchmarks run: nothing of them is printed.
  const b = tcesim(['bench', '--quick', '--json', join(dir, 'nowhere', 'b.json')]);
  assertOneLineFailure(b, 2, /folder .*nowhere does not exist/, 'bench --json to a missing folder');
  assert.is(b.stdout, '', 'no benchmark ran');
});

test('corrupt logs are refused by report, replay and export alike (exit 2, the record named)', () => {
  const cases: [string, (b: Buffer, at: (i: number) => number) => Buffer, RegExp][] = [
    ['flipped', (b, at) => { b[at(1500) + 24] = (b[at(1500) + 24] as number) ^ 0x20; return b; }, /record 1500/],
    ['unknown-kind', (b, at) => { b[at(1200) + KIND] = 77; return b; }, /record 1200: unknown record kind 77/],
    ['bad-tier', (b, at) => { b[at(1300) + TIER] = 77; return b; }, /record 1300/],
    ['duplicated', (b, at) => Buffer.concat([b.subarray(0, at(1001)), b.subarray(at(1000))]), /record 1001 is stamped 1000/],
    ['two-logs', (b) => Buffer.concat([b, b]), /is stamped|follows the end of the run/],
  ];
  for (const [name, edit, message] of cases) {
    const log = editedLog(good, join(dir, `${name}.tcelog`), edit);
    for (const argv of [['report', log], ['replay', log], ['export', log, '--chrome', join(dir, `${name}.json`)]]) {
      const r = tcesim(argv);
      assertOneLineFailure(r, 2, message, `${argv[0]} of the ${name} log`);
      assert.is(r.stdout, '', `${argv[0]} of the ${name} log prints no rows`);
    }
  }
});

test('a cut log: report marks it unfinished (exit 1), replay rebuilds its prefix', () => {
  const cut = editedLog(good, join(dir, 'cut.tcelog'), (b, at) => b.subarray(0, at(2000) + 10));
  const r = tcesim(['report', cut]);
  assert.is(r.code, 1);
  assert.match(r.stdout, /^UNFINISHED RUN: the log ends before the run did \([\d,]+ of 6,000 calls completed, 10 bytes of a record cut off\)/);
  assert.match(r.stdout, /\nUNFINISHED RUN: .*\n?$/);
  const p = tcesim(['replay', cut]);
  assert.is(p.code, 0);
  assert.not.match(p.stdout, /bit for bit/);
});

test('conformance walks past symbolic link loops and node_modules; a link loop given is one line', async () => {
  const tree = join(dir, 'vectors');
  mkdirSync(join(tree, 'node_modules', 'pkg'), { recursive: true });
  writeFileSync(join(tree, 'node_modules', 'pkg', 'package.json'), '{"name": "pkg"}');
  writeFileSync(join(tree, 'poison-tce.json'), readFileSync(join(VECTORS, 'poison-tce.json')));
  mkdirSync(join(tree, 'sub'));
  symlinkSync(tree, join(tree, 'sub', 'up')); // a loop back to the top
  symlinkSync('.', join(tree, 'self')); // a loop onto itself
  const r = await inProcess(['conformance', tree]);
  assert.is(r.code, 0, r.err.join('\n'));
  assert.is(r.out.at(-2), '1 vectors in 1 files');
  symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
  symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
  const l = await inProcess(['conformance', join(dir, 'loop-a')]);
  assert.is(l.code, 2);
  assert.match(l.err[0]!, /loop-a: \(file\): a loop of symbolic links$/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
