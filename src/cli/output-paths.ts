/**
 * Every file a command writes is checked before the work starts: it is not one of the
 * command's inputs (writing would destroy the input first), not another output of the same
 * command (the file would end up being neither), and it can be created where it is asked for.
 * A problem is one line naming the option, the path and the cause (exit 2).
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { systemErrorText } from '../events/write-error.js';
import { UsageError } from './usage-error.js';

/** A path given to an option: `--log out.bin`, or a positional such as "LOG". */
export interface PathArg {
  readonly option: string;
  readonly path: string;
  /** For an input: what it is, as in "--log F is the trace being replayed". */
  readonly what?: string;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Whether two paths name one file (same resolved path, or the same inode through links). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  const x = statOrNull(a);
  const y = statOrNull(b);
  return x !== null && y !== null && x.dev === y.dev && x.ino === y.ino;
}

/** Character devices (/dev/null, /dev/stdout, a terminal) may be given more than once and are never "inputs". */
function isDevice(path: string): boolean {
  return statOrNull(path)?.isCharacterDevice() === true;
}

function checkCreatable(o: PathArg): void {
  if (o.path === '') throw new UsageError(`${o.option} needs a file name, got an empty one`);
  const s = statOrNull(o.path);
  if (s !== null) {
    if (s.isDirectory()) throw new UsageError(`${o.option} ${o.path}: is a folder, not a file`);
    try {
      accessSync(o.path, constants.W_OK);
    } catch (e) {
      throw new UsageError(`${o.option} ${o.path}: cannot write it: ${systemErrorText(e)}`);
    }
    return;
  }
  const dir = dirname(resolve(o.path));
  const d = statOrNull(dir);
  if (d === null) throw new UsageError(`${o.option} ${o.path}: folder ${dir} does not exist`);
  if (!d.isDirectory()) throw new UsageError(`${o.option} ${o.path}: ${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UsageError(`${o.option} ${o.path}: cannot create a file in ${dir}: ${systemErrorText(e)}`);
  }
}

/** Check a command's outputs against its inputs and each other, and that each can be written. */
export function checkOutputs(outputs: readonly PathArg[], inputs: readonly PathArg[]): void {
  for (const [i, o] of outputs.entries()) {
    checkCreatable(o);
    if (isDevice(o.path)) continue;
    for (const input of inputs) {
      if (sameFile(o.path, input.path)) {
        throw new UsageError(`${o.option} ${o.path} is ${input.what ?? `the ${input.option} input`}: write it elsewhere`);
      }
    }
    for (const other of outputs.slice(0, i)) {
      if (sameFile(o.path, other.path)) {
        throw new UsageError(`${other.option} and ${o.option} both write ${o.path}: give each output its own file`);
      }
    }
  }
}
