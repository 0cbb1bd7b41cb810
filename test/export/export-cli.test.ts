/** `tcesim export` on the command line: what it writes and prints, and every misuse as one line with exit code 2. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { options } from '../pipeline/support.js';
import { readTrace, spans, trackProblems } from './support.js';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'tcesim-export-cli-'));
const log = join(dir, 'run.tcelog');
runInline(options({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 300, seed: 2, log }));

test('export LOG --chrome FILE writes the trace and says what it drew', async () => {
  const file = join(dir, 'run.json');
  const r = await run('export', log, '--chrome', file);
  assert.is(r.code, 0, r.err.join('\n'));
  assert.equal(r.err, []);
  assert.match(r.out[0]!, /run\.json: 600 calls, [\d,]+ tier spans, [\d,]+ escalations, 0 retries on \d+ tracks \([\d,]+ trace events; modelled clock\)$/);
  const t = readTrace(file);
  assert.is(spans(t, 'hcall').length, 600);
  assert.equal(trackProblems(t), []);
});

test('--limit N draws the first N calls', async () => {
  const file = join(dir, 'limited.json');
  const r = await run('export', log, '--limit', '10', '--chrome', file);
  assert.is(r.code, 0, r.err.join('\n'));
  assert.match(r.out[0]!, /: 10 calls,/);
  assert.is(spans(readTrace(file), 'hcall').length, 10);
});

test('help export describes the command', async () => {
  const r = await run('help', 'export');
  assert.is(r.code, 0);
  assert.match(r.out.join('\n'), /tcesim export LOG --chrome FILE \[--limit N\]/);
});

test('misuse prints one line naming the bad value, exits 2 and writes nothing', async () => {
  const notLog = join(dir, 'not-a-log.tcelog');
  writeFileSync(notLog, 'this is not an event log, it is a sentence');
  const folder = join(dir, 'a-folder.json');
  mkdirSync(folder);
  const out = join(dir, 'never.json');
  const cases: [string[], RegExp][] = [
    [['export', join(dir, 'missing.tcelog'), '--chrome', out], /^tcesim: cannot read log .*missing\.tcelog: no such file or folder \(ENOENT\)$/],
    [['export', notLog, '--chrome', out], /^tcesim: .*not-a-log\.tcelog: not a tcesim event log \(bad magic\)$/],
    [['export', dir, '--chrome', out], /^tcesim: cannot read log .*tcesim-export-cli-\w+: is a folder \(EISDIR\)$/],
    [['export', log], /^tcesim: export needs --chrome FILE/],
    [['export', log, '--chrome'], /--chrome/],
    [['export', '--chrome', out], /^tcesim: export needs exactly one log file/],
    [['export', log, log, '--chrome', out], /^tcesim: export needs exactly one log file/],
    [['export', log, '--chrome', join(dir, 'no-such-folder', 'x.json')], /^tcesim: --chrome .*no-such-folder.*: folder .*no-such-folder does not exist$/],
    [['export', log, '--chrome', folder], /^tcesim: --chrome .*a-folder\.json: is a folder, not a file$/],
    [['export', log, '--chrome', log], /^tcesim: --chrome .*run\.tcelog is the log being exported: write it elsewhere$/],
    [['export', log, '--chrome', out, '--limit', '0'], /^tcesim: --limit "0" is not a positive integer$/],
    [['export', log, '--chrome', out, '--limit', 'ten'], /^tcesim: --limit "ten" is not a positive integer$/],
    [['export', log, '--chrome', out, '--clock', 'wall'], /--clock/],
  ];
  for (const [argv, message] of cases) {
    const r = await run(...argv);
    assert.is(r.code, 2, `${argv.join(' ')}: exit code`);
    assert.is(r.err.length, 1, `${argv.join(' ')}: one line, got ${JSON.stringify(r.err)}`);
    assert.match(r.err[0]!, message, argv.join(' '));
    assert.equal(r.out, [], `${argv.join(' ')}: nothing on stdout`);
  }
  assert.not.ok(existsSync(out), 'no trace was written');
  assert.ok(readFileSync(log).subarray(0, 8).toString('latin1') === 'TCESLOG\0', 'the log is intact');
});

test('a log with a corrupt record: one line naming the record, and no half-written trace left', async () => {
  const bad = join(dir, 'corrupt.tcelog');
  const bytes = readFileSync(log);
  // The last record's kind byte: 200 is no kind of record.
  bytes[bytes.length - 64 + 4] = 200;
  writeFileSync(bad, bytes);
  const out = join(dir, 'corrupt.json');
  const r = await run('export', bad, '--chrome', out);
  assert.is(r.code, 2);
  assert.match(r.err[0]!, /^tcesim: .*corrupt\.tcelog: record \d+: unknown record kind 200$/);
  assert.not.ok(existsSync(out));
});

test.run();
