/**
 * What a run and its log say when things go wrong (issue 12): a disk that fills mid-run keeps
 * a replayable log and says so; SIGINT/SIGTERM stop a run cleanly with an unfinished report;
 * replay fails on any mismatch, worded once; a fault injection that injects nothing says so.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KIND_SNAPSHOT, KIND_WRITE } from '../../src/events/layout.js';
import { ROOT } from '../helpers.js';
import { assertOneLineFailure, editedLog, shell, startTcesim, tcesim } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcesim-lifecycle-'));

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

test('a file-size limit reached mid-run: one line, the run stops, the records before replay', () => {
  const log = join(dir, 'limited.tcelog');
  // ulimit -f counts 512-byte blocks here (POSIX sh): 4000 blocks = 2,048,000 bytes.
  const r = shell(`ulimit -f 4000 && exec $TCESIM run --calls 2000000 --vcpus 2 --log ${log}`);
  assertOneLineFailure(r, 1, /^tcesim: cannot write event log .*limited\.tcelog: file too large \(a file-size limit was reached\) \(EFBIG\); the [\d,]+ records written before are whole and replayable \(tcesim replay .*limited\.tcelog\); the run was stopped$/, 'EFBIG mid-run');
  assert.ok(sizeOf(log) <= 2_048_000 && sizeOf(log) > 1_000_000, `${sizeOf(log)} bytes kept`);
  const kept = Number(/the ([\d,]+) records/.exec(r.stderr)![1]!.replaceAll(',', ''));
  const p = tcesim(['replay', log]);
  assert.is(p.code, 0, p.stdout);
  assert.match(p.stdout, new RegExp(`: ${kept.toLocaleString('en-US')} records\\n`));
  assert.match(p.stdout, /rebuilt the prefix it holds, write chain unbroken/);
  const rep = tcesim(['report', log]);
  assert.is(rep.code, 1);
  assert.match(rep.stdout, /^UNFINISHED RUN: the log ends before the run did/);
});

async function stopWith(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', code: number): Promise<void> {
  const log = join(dir, `${signal}.tcelog`);
  const child = startTcesim(['run', '--calls', '50000000', '--vcpus', '2', '--log', log]);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const deadline = Date.now() + 120_000;
  while (sizeOf(log) < 1024 * 1024) {
    if (Date.now() > deadline) throw new Error(`the run wrote no log in 120 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exitCode = await exited;
  clearTimeout(timer);
  assert.is(exitCode, code, `${signal}: exit ${exitCode}; stderr ${stderr}`);
  assert.match(stderr, new RegExp(`^tcesim: ${signal}: stopping: no more calls`), stderr);
  assert.not.match(stderr, /^\s+at /m, 'no stack trace');
  assert.match(stdout, new RegExp(`^UNFINISHED RUN: stopped by ${signal} after [\\d,]+ of 100,000,000 calls`));
  assert.match(stdout, /calls: [\d,]+ completed of [\d,]+ entered/);
  assert.match(stdout, /event log: .* \(complete up to the stop: replayable/);
  const v = tcesim(['replay', log, '--verify']);
  assert.is(v.code, 0, `the stopped run's log verifies: ${v.stdout}`);
  assert.match(v.stdout, /verify: OK$/m);
  const rep = tcesim(['report', log]);
  assert.is(rep.code, 1);
  assert.match(rep.stdout, /^UNFINISHED RUN: the run was stopped early: [\d,]+ of 100,000,000 calls made/);
}

test('SIGINT stops a run: no more calls, the log closed whole, the report marked unfinished, exit 130', async () => {
  await stopWith('SIGINT', 130);
});

test('SIGTERM does the same with exit 143', async () => {
  await stopWith('SIGTERM', 143);
});

test('SIGHUP (a closed terminal or ssh session, a cancelled CI job) does the same with exit 129', async () => {
  await stopWith('SIGHUP', 129);
});

/** Index of the first record of `kind` at or after record `from`. */
function findRecord(log: string, kind: number, from: number): number {
  const b = readFileSync(log);
  const start = Math.ceil((24 + b.readUInt32LE(16)) / 8) * 8;
  for (let i = from; start + (i + 1) * 64 <= b.length; i++) if (b[start + i * 64 + 4] === kind) return i;
  throw new Error(`no record of kind ${kind}`);
}

test('replay: any mismatch is a failure (exit 1, with or without --verify), worded once', () => {
  const log = join(dir, 'virt.tcelog');
  assert.is(tcesim(['run', '--mode', 'virtmode', '--calls', '2000', '--log', log]).code, 0);
  // A final entry that differs from the rebuilt one.
  const snap = findRecord(log, KIND_SNAPSHOT, 0);
  const differs = editedLog(log, join(dir, 'differs.tcelog'), (b, at) => { b[at(snap) + 32] = (b[at(snap) + 32] as number) ^ 0x10; return b; });
  for (const verify of [[], ['--verify']]) {
    const r = tcesim(['replay', differs, ...verify]);
    assert.is(r.code, 1, `a differing final entry ${verify.join('')}: ${r.stdout}`);
    assert.match(r.stdout, /\nreplay: FAILED: 1 final entries differ between the rebuilt tables and those the run recorded\n/);
    assert.not.match(r.stdout, /bit for bit|verify: OK/);
    assert.is(r.stdout.match(/FAILED/g)?.length, 1, 'worded once');
  }
  // A write whose old value is not what the table held: the chain is broken.
  const write = findRecord(log, KIND_WRITE, 1000);
  const broken = editedLog(log, join(dir, 'broken.tcelog'), (b, at) => { b[at(write) + 32] = (b[at(write) + 32] as number) ^ 0x40; return b; });
  const r = tcesim(['replay', broken]);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stdout, /write chain broken at record \d+/);
  assert.match(r.stdout, /replay: FAILED: the write chain is broken/);
  assert.not.match(r.stdout, /bit for bit/);
  const rep = tcesim(['report', broken]);
  assertOneLineFailure(rep, 2, /table writes do not replay/, 'report of a log whose writes do not replay');
});

test('--crash-pool-at-write beyond the pool\'s writes says it injected nothing (exit 1)', () => {
  const r = tcesim(['run', '--mode', 'virtmode', '--calls', '50', '--crash-pool-at-write', '1000000']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /note: --crash-pool-at-write 1000000 injected no crash: the pool made only \d+ table writes/);
  assert.match(r.stdout, /pool worker deaths: 0/);
  const hit = tcesim(['run', '--mode', 'virtmode', '--calls', '300', '--crash-pool-at-write', '20', '--pool-tasks', '2']);
  assert.is(hit.code, 0, hit.stderr);
  assert.match(hit.stdout, /pool worker deaths: 1\b/);
});

test('trace lines with an hcall name after junk are counted and reported, not silently skipped', () => {
  const trace = join(dir, 'junk.log');
  const text = readFileSync(join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-pseries-ddw-off.log'), 'utf8').split('\n');
  const at = text.findIndex((l) => l.includes('spapr_iommu_pci_put'));
  text.splice(at + 1, 0, `garbage ${text[at]}`, `xx${text[at]}`);
  writeFileSync(trace, text.join('\n'));
  const r = tcesim(['run', '--trace', trace, '--calls', '100', '--inline']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`\ntrace .*junk\\.log: 2 skipped line\\(s\\) name a spapr_iommu_ event after other text \\(first: line ${at + 2}\\); not QEMU's form, so they were not replayed\n`));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
