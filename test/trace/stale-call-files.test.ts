/**
 * A process killed outright leaves its trace call files in the temporary folder; the next
 * pre-scan removes those of processes that are gone, and no other file
 * (src/trace/trace-calls-file.ts, sweepStaleCallFiles).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sweepStaleCallFiles } from '../../src/trace/trace-calls-file.js';

/**
 * A pid no process has: on Linux one above the kernel's largest (so none can ever have it);
 * elsewhere that of a child that has ended.
 */
function deadPid(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/pid_max', 'latin1')) + 1;
  } catch {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    assert.is(r.status, 0, `the child ran: ${String(r.error)}`);
    return Number(r.stdout);
  }
}

test('the files of a process that is gone are removed; this process\'s, a live one\'s and anything else stay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcesim-sweep-'));
  try {
    const dead = deadPid();
    assert.ok(Number.isSafeInteger(dead) && dead > 0, `a pid: ${dead}`);
    const id = '0123456789abcdef';
    const stale = [`tcesim-calls-${dead}-${id}.bin`, `tcesim-calls-${dead}-${id}.bin.part`];
    const kept = [
      `tcesim-calls-${process.pid}-${id}.bin`, // this process
      `tcesim-calls-${process.ppid}-${id}.bin`, // a live process
      `tcesim-calls-${dead}-${id}.txt`, // not a call file
      `other-${dead}-${id}.bin`,
    ];
    for (const name of [...stale, ...kept]) writeFileSync(join(dir, name), 'x');
    assert.is(sweepStaleCallFiles(dir), 2);
    for (const name of stale) assert.not.ok(existsSync(join(dir, name)), `${name} removed`);
    for (const name of kept) assert.ok(existsSync(join(dir, name)), `${name} kept`);
    assert.is(sweepStaleCallFiles(join(dir, 'missing')), 0, 'a folder that cannot be read: nothing to do');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
