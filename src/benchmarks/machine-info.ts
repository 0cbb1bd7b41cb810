/** What a bench file records about where it ran: the machine, and the git revision of the code. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GitInfo, MachineInfo } from '../regression/format.js';

/** The package root (this file is dist/src/benchmarks/machine-info.js once built). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function machineInfo(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    platform: os.platform(),
    arch: os.arch(),
    loadavg: os.loadavg(),
  };
}

function git(dir: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
}

/**
 * The commit checked out in `dir` and whether the work tree differs from it (untracked files
 * count: they change what is built). Outside a git checkout, or without git: "unknown", null.
 */
export function gitInfo(dir: string = PACKAGE_ROOT): GitInfo {
  let revision: string;
  try {
    revision = git(dir, ['rev-parse', 'HEAD']).trim();
  } catch {
    return { revision: 'unknown', dirty: null };
  }
  if (!/^[0-9a-f]{40,64}$/.test(revision)) return { revision: 'unknown', dirty: null };
  let dirty: boolean | null;
  try {
    dirty = git(dir, ['status', '--porcelain']).trim() !== '';
  } catch {
    dirty = null;
  }
  return { revision, dirty };
}
