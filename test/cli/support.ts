/** The CLI as a user runs it: a child process, its exit code and both streams, with a time limit. */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `tcesim ARGS` (or a shell line with `$TCESIM` when `shell` is given); a hang fails after `timeoutMs`. */
export function tcesim(args: readonly string[], timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error !== undefined) throw new Error(`tcesim ${args.join(' ')}: ${r.error.message} (a hang?)`);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Run a shell line in which $TCESIM is the CLI (for ulimit and the like). */
export function shell(line: string, timeoutMs = 120_000): CliResult {
  const r = spawnSync('/bin/sh', ['-c', line], {
    encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TCESIM: `${process.execPath} ${CLI}` },
  });
  if (r.error !== undefined) throw new Error(`${line}: ${r.error.message} (a hang?)`);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Start `tcesim ARGS` without waiting. */
export function startTcesim(args: readonly string[]): ReturnType<typeof spawn> {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A failure as the conventions want it: the exit code, one line on stderr starting "tcesim: ", no stack trace. */
export function assertOneLineFailure(r: CliResult, code: number, message: RegExp, what: string): void {
  assert.is(r.signal, null, `${what}: killed by ${r.signal}`);
  assert.is(r.code, code, `${what}: exit ${r.code}, stderr ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, `${what}: one line on stderr, got:\n${r.stderr}`);
  assert.not.match(r.stderr, /^\s+at |node:internal|Error:|\n\s+\^/m, `${what}: a stack trace`);
  assert.match(lines[0]!, /^tcesim: /, what);
  assert.match(lines[0]!, message, what);
}

export function sameBytes(path: string, bytes: Buffer, what: string): void {
  assert.ok(readFileSync(path).equals(bytes), `${what}: ${path} was changed`);
}

/** A copy of `log` with `edit` applied to its bytes; `recordAt(i)` is the offset of record i. */
export function editedLog(log: string, out: string, edit: (b: Buffer, recordAt: (i: number) => number) => Buffer): string {
  const b = Buffer.from(readFileSync(log));
  const start = Math.ceil((24 + b.readUInt32LE(16)) / 8) * 8;
  writeFileSync(out, edit(b, (i) => start + i * 64));
  return out;
}
