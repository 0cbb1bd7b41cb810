/**
 * A run killed with SIGKILL (no chance to flush or finish) leaves a log that replays to a
 * consistent prefix: every write's old value is what the table held, no call completes twice.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readLogFile } from '../../src/events/log-file.js';
import { replayRecords } from '../../src/events/replay.js';
import { runCli } from '../../src/cli/run-cli.js';
import { ROOT } from '../helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** Log bytes to wait for before the kill: well past the header, mid-run. */
const KILL_AT_BYTES = 2 * 1024 * 1024;

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

test('a SIGKILLed 2-vCPU contention run replays to a consistent prefix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcesim-kill-'));
  const log = join(dir, 'killed.tcelog');
  try {
    const child = spawn(process.execPath, [CLI, 'run', '--workload', 'contention', '--vcpus', '2', '--calls', '50000000', '--log', log], {
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 30_000;
    while (sizeOf(log) < KILL_AT_BYTES) {
      if (Date.now() > deadline || child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(sizeOf(log) >= KILL_AT_BYTES, `the run wrote ${sizeOf(log)} bytes before the kill`);
    child.kill('SIGKILL');
    assert.is(await exited, 'SIGKILL');

    const file = readLogFile(log);
    const r = replayRecords(file.words, file.records);
    assert.ok(r.callsCompleted > 1000, `${r.callsCompleted} calls completed before the kill`);
    assert.ok(r.callsCompleted <= r.callsEntered, 'no call completes without entering');
    assert.is(r.chainBreaks.length, 0, 'every write found the value the previous one left');
    assert.is(r.recorded, null, 'no final tables: the run never finished');

    const out: string[] = [];
    assert.is(await runCli(['replay', log], (l) => out.push(l), (l) => out.push(l)), 0);
    assert.match(out.join('\n'), /unfinished: the log ends before the run did \([\d,]+ of 100,000,000 calls completed(?:, \d+ bytes of a record cut off)?\): the run was killed, or the file was cut\nreplay: the log holds no final tables to compare with; rebuilt the prefix it holds, write chain unbroken$/);
    assert.is(await runCli(['replay', log, '--verify'], () => undefined, () => undefined), 1, '--verify fails: nothing to compare with');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
