/**
 * The misuse battery's second part (issue 12, "more such cases, held back, will be tried"):
 * cases a hostile user or a CI system tries beyond those the issue lists, each of which was
 * broken once (a stack trace, a hang, a destroyed input, a wrong exit code or a misleading
 * line). Same rules as misuse-battery.proc.test.ts: one line naming the value or path and the
 * cause, the documented exit code, no stack trace, no hang, no input changed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { ROOT } from '../helpers.js';
import { assertOneLineFailure, sameBytes, shell, tcesim } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcesim-held-back-'));
const TRACE = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-pseries-ddw-off.log');
const BENCH = join(ROOT, 'test', 'data', 'bench');

async function inProcess(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

/** Run every case and list every one that is not one line matching its pattern with exit 2 and nothing on stdout. */
async function expectAll(cases: readonly (readonly [string[], RegExp])[]): Promise<void> {
  const failures: string[] = [];
  for (const [argv, message] of cases) {
    const r = await inProcess(argv);
    // eslint-disable-next-line no-control-regex
    const ok = r.code === 2 && r.err.length === 1 && message.test(r.err[0]!) && !/[\u0000-\u001f]/.test(r.err[0]!) && r.out.length === 0;
    if (!ok) failures.push(`${argv.join(' ')}: exit ${r.code}, stderr ${JSON.stringify(r.err.join(' | '))}${r.out.length > 0 ? `, ${r.out.length} lines on stdout` : ''}`);
  }
  assert.equal(failures, [], failures.join('\n'));
}

const good = join(dir, 'good.tcelog');
const made = tcesim(['run', '--calls', '1000', '--vcpus', '2', '--inline', '--log', good]);
if (made.code !== 0) throw new Error(`the test log was not made: ${made.stderr}`);

/** A copy of `log` whose run description (the header's JSON) is edited by `edit`. */
function withDescription(log: string, out: string, edit: (d: Record<string, unknown>) => void): string {
  const b = readFileSync(log);
  const len = b.readUInt32LE(16);
  const d = JSON.parse(b.toString('utf8', 24, 24 + len)) as Record<string, unknown>;
  edit(d);
  const meta = Buffer.from(JSON.stringify(d));
  const head = Buffer.from(b.subarray(0, 24));
  head.writeUInt32LE(meta.length, 16);
  const pad = Buffer.alloc((8 - ((24 + meta.length) % 8)) % 8);
  writeFileSync(out, Buffer.concat([head, meta, pad, b.subarray(Math.ceil((24 + len) / 8) * 8)]));
  return out;
}

test('held-back argument misuse: one line naming the value, exit 2, nothing written (in process)', async () => {
  const trace = join(dir, 'trace.log');
  writeFileSync(trace, readFileSync(TRACE));
  mkdirSync(join(dir, 'a-folder'));
  const binary = join(dir, 'binary.json');
  // Bytes a JSON parser quotes back: a newline, a NUL, a terminal escape.
  writeFileSync(binary, Buffer.from('TCE\n\x00\x1b[31mred\x07', 'latin1'));
  const hugeVcpus = withDescription(good, join(dir, 'huge-vcpus.tcelog'), (d) => { d['vcpus'] = 1e15; });
  const badMode = withDescription(good, join(dir, 'bad-mode.tcelog'), (d) => { d['mode'] = 'warp'; });
  // A header claiming a 4 GiB description, in a (sparse) file that long: an internal error, and
  // a 2 GiB one took 2 GiB of memory before being found not JSON.
  const bomb = join(dir, 'bomb.tcelog');
  const head = Buffer.from(readFileSync(good).subarray(0, 24));
  head.writeUInt32LE(0xfffffff0, 16);
  writeFileSync(bomb, head);
  truncateSync(bomb, 2 ** 32 + 4096);
  const cases: [string[], RegExp][] = [
    // A value option given twice: the last no longer wins silently (a CI gate loosened, a file not written).
    [['run', '--calls', '10', '--calls', '20'], /^tcesim: run: --calls is given twice \("10" and "20"\): give it once$/],
    [['export', good, '--chrome', join(dir, 'x.json'), '--chrome=' + join(dir, 'y.json')], /^tcesim: export: --chrome is given twice/],
    [['compare', join(BENCH, 'self-00.json'), join(BENCH, 'self-01.json'), '--threshold', '5%', '--threshold', '50%'], /^tcesim: compare: --threshold is given twice/],
    // gain, pamu and tables follow the same argument conventions as run.
    [['gain', '--vcpus', '-1'], /^tcesim: --vcpus "-1" must be a whole number from 1 to \d+$/],
    [['gain', '--seed', '-1'], /^tcesim: --seed "-1" must be a whole number from 0 to/],
    [['gain', '--bogus'], /^tcesim: gain: Unknown option '--bogus' \(see tcesim help gain\)$/],
    [['pamu', '--workload', 'nic', '--vcpus', '-1'], /^tcesim: --vcpus "-1" must be an integer from 1 to 64$/],
    [['pamu', '--bogus'], /^tcesim: pamu: Unknown option '--bogus' \(see tcesim help pamu\)$/],
    [['tables', '--bogus', good], /^tcesim: tables: Unknown option '--bogus' \(see tcesim help tables\)$/],
    // gain --html is checked before the work, and may not be the trace it reads.
    [['gain', '--html', join(dir, 'no-such', 'g.html')], /^tcesim: --html .*g\.html: folder .*no-such does not exist$/],
    [['gain', '--html', join(dir, 'a-folder')], /^tcesim: --html .*a-folder: is a folder, not a file$/],
    [['gain', '--html', ''], /^tcesim: --html needs a file name/],
    [['gain', '--trace', trace, '--calls', '5', '--html', trace], /^tcesim: --html .*trace\.log is the trace being replayed: write it elsewhere$/],
    // A file's bytes quoted in a message stay on one printable line.
    [['run', '--machine', binary], /^tcesim: --machine .*binary\.json: .*TCE\\x0a\\x00\\x1b\[31mred\\x07/],
    [['conformance', binary], /^tcesim: .*binary\.json: \(file\): not valid JSON: .*\\x0a/],
    [['pamu', binary], /^tcesim: .*binary\.json: not valid JSON \(.*\\x0a/],
    [['compare', binary, binary], /^tcesim: .*binary\.json: not a tcesim bench file \(not valid JSON: .*\\x0a/],
    [['run', '--costs', binary], /^tcesim: --costs .*binary\.json: not valid JSON \(.*\\x0a/],
    // Empty names and values beyond 2^53 are named as typed.
    [['report', ''], /^tcesim: report needs a log file name, got an empty one$/],
    [['run', '--costs', ''], /^tcesim: --costs needs a file name, got an empty one$/],
    [['run', '--vcpus', '99999999999999999999'], /^tcesim: --vcpus 99999999999999999999 is too large$/],
    [['run', '--poll-us', '-1'], /^tcesim: --poll-us -1 must be an integer from 0 to/],
    // A machine event the run never reaches, or an empty one, used to vanish silently (exit 0).
    [['run', '--calls', '100', '--inline', '--qemu-event', '100:hotplug-vfio:9:1'], /^tcesim: --qemu-event 100:hotplug-vfio:9:1: call 100 is beyond the run's 100 calls on vCPU 0/],
    [['run', '--calls', '100', '--inline', '--qemu-event', ''], /^tcesim: --qemu-event needs CALL:OP:PHB\[:GROUP\], got an empty value$/],
    // A log whose run description is corrupt is refused, not reported from (or crashed on).
    [['report', hugeVcpus], /^tcesim: .*huge-vcpus\.tcelog: the run description's vcpus 1000000000000000 is more than a log can name/],
    [['replay', hugeVcpus], /huge-vcpus\.tcelog: the run description's vcpus/],
    [['report', badMode], /^tcesim: .*bad-mode\.tcelog: the run description's mode "warp" is not one of realmode, virtmode, userspace$/],
    [['tables', badMode], /bad-mode\.tcelog: the run description's mode "warp"/],
    [['report', bomb], /^tcesim: .*bomb\.tcelog: the header says its run description is 4294967280 bytes, more than a log's \d+: a corrupt header$/],
    [['export', bomb, '--chrome', join(dir, 'bomb.json')], /bomb\.tcelog: the header says its run description is 4294967280 bytes/],
  ];
  const before = readFileSync(trace);
  await expectAll(cases);
  sameBytes(trace, before, 'the replayed trace');
});

test('held-back: output paths that cannot be created are refused before the work (exit 2), whatever the command', async () => {
  const dangling = join(dir, 'dangling');
  symlinkSync(join(dir, 'no-such', 'target'), dangling);
  const loop = join(dir, 'loop');
  symlinkSync(loop, loop);
  const long = join(dir, 'x'.repeat(300));
  const slash = `${join(dir, 'new-folder')}/`;
  const cases: [string[], RegExp][] = [];
  for (const [path, message] of [
    [dangling, /dangling, a link to .*target: folder .*no-such does not exist$/],
    [loop, /loop: cannot write it: too many symbolic links \(ELOOP\)$/],
    [long, /x{300}: cannot write it: file name too long \(ENAMETOOLONG\)$/],
    [slash, /new-folder\/: names a folder \(it ends with \/\), not a file$/],
  ] as const) {
    cases.push([['run', '--calls', '10', '--log', path], new RegExp(`^tcesim: --log .*${message.source}`)]);
    cases.push([['run', '--calls', '10', '--inline', '--emit-qemu-trace', path], new RegExp(`^tcesim: --emit-qemu-trace .*${message.source}`)]);
    cases.push([['export', good, '--chrome', path], new RegExp(`^tcesim: --chrome .*${message.source}`)]);
    cases.push([['gain', '--calls', '10', '--html', path], new RegExp(`^tcesim: --html .*${message.source}`)]);
  }
  // bench ran the whole suite (a minute and more) before finding these.
  cases.push([['bench', '--quick', '--json', dangling], /^tcesim: --json .*dangling, a link to .*target: folder .*no-such does not exist$/]);
  cases.push([['bench', '--quick', '--json', loop], /^tcesim: --json .*loop: cannot write it: too many symbolic links \(ELOOP\)$/]);
  await expectAll(cases);
});

test('held-back: an output that is stdout gets stdout alone; the command\'s text goes to stderr', () => {
  // export --chrome /dev/stdout | jq: the summary lines used to follow the JSON.
  const e = shell(`$TCESIM export ${good} --limit 50 --chrome /dev/stdout | cat`);
  assert.is(e.code, 0, e.stderr);
  assert.ok(Array.isArray((JSON.parse(e.stdout) as { traceEvents?: unknown }).traceEvents), 'stdout is the Chrome trace alone');
  assert.match(e.stderr, /^\/dev\/stdout: [\d,]+ calls/);
  // run --log /dev/stdout > file: the report used to be written into the log.
  const log = join(dir, 'stdout.tcelog');
  const r = shell(`$TCESIM run --calls 200 --inline --log /dev/stdout > ${log}`);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^tcesim run: mode realmode/);
  assert.is(tcesim(['replay', log, '--verify']).code, 0, 'the log written to stdout verifies');
  // gain --html /dev/stdout: stdout is the HTML page alone.
  const g = shell('$TCESIM gain --calls 20 --html /dev/stdout | cat');
  assert.is(g.code, 0, g.stderr);
  assert.match(g.stdout, /^<!doctype html>/i);
  assert.not.match(g.stdout, /PREDICTED/);
  assert.match(g.stderr, /PREDICTED/);
});

test('held-back: npm run fuzz misuse is one line and exit 2 (was a Node stack trace, or a run with 0x10 read as 16)', () => {
  const fuzz = join(ROOT, 'dist', 'src', 'fuzz', 'pipeline-fuzz.js');
  const failures: string[] = [];
  for (const [args, message] of [
    [['--bogus'], /^fuzz: Unknown option '--bogus' \(usage: npm run fuzz -- /],
    [['--calls'], /^fuzz: Option '--calls <value>' argument missing/],
    [['--calls', '-5'], /^fuzz: --calls "-5" must be an integer from 2 to/],
    [['--calls', '0x10'], /^fuzz: --calls "0x10" must be an integer from 2 to/],
    [['--vcpus', '1000'], /^fuzz: --vcpus "1000" must be an integer from 1 to 64$/],
    [['--seed', '99999999999'], /^fuzz: --seed "99999999999" must be an integer from 0 to 4294967295$/],
    [['extra'], /^fuzz takes no positional arguments, got extra/],
  ] as const) {
    const r = spawnSync(process.execPath, [fuzz, ...args], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 2 || r.stdout !== '' || !message.test(r.stderr.trim()) || r.stderr.trim().split('\n').length !== 1) {
      failures.push(`fuzz ${args.join(' ')}: exit ${r.status}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}, stdout ${JSON.stringify(r.stdout.slice(0, 100))}`);
    }
  }
  assert.equal(failures, [], failures.join('\n'));
});

test('held-back: a log that is a pipe is refused at once, not waited on or called "bad magic"', () => {
  const fifo = join(dir, 'fifo');
  assert.is(shell(`mkfifo ${fifo}`).code, 0, 'mkfifo');
  for (const argv of [['report', fifo], ['replay', fifo], ['tables', fifo], ['export', fifo, '--chrome', join(dir, 'f.json')]]) {
    assertOneLineFailure(tcesim(argv, 20_000), 2, /fifo: is a pipe \(FIFO\), not a log file/, `${argv[0]} of a FIFO`);
  }
  // Piped into /dev/stdin: the same, where it was "not a tcesim event log (bad magic)".
  assertOneLineFailure(shell(`cat ${good} | $TCESIM report /dev/stdin`), 2, /\/dev\/stdin: is a pipe \(FIFO\), not a log file/, 'report /dev/stdin from a pipe');
  // Redirected from the file itself, /dev/stdin is the file and is read.
  assert.is(shell(`$TCESIM replay /dev/stdin < ${good}`).code, 0);
});

test('held-back: a standard output that cannot be written is one line, exit 1, not a stack trace', () => {
  for (const line of ['$TCESIM help >/dev/full', `$TCESIM report ${good} >/dev/full`]) {
    assertOneLineFailure(shell(line), 1, /^tcesim: cannot write the standard output: no space left on device \(ENOSPC\)$/, line);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
