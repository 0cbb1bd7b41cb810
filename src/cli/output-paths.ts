/**
 * Every file a command writes is checked before the work starts: it is not one of the
 * command's inputs (writing would destroy the input first), not another output of the same
 * command (the file would end up being neither), and it can be created where it is asked for.
 * A problem is one line naming the option, the path and the cause (exit 2).
 */
import { accessSync, constants, fstatSync, lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
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

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
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

/** The error code of stat(path), or null when it succeeds. */
function statError(path: string): string | null {
  try {
    statSync(path);
    return null;
  } catch (e) {
    return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : 'EIO';
  }
}

function checkCreatable(o: PathArg, depth = 0): void {
  if (o.path === '') throw new UsageError(`${o.option} needs a file name, got an empty one`);
  // open("dir/") fails with EISDIR whether or not it exists: a name ending in / is a folder's.
  if (o.path.endsWith('/')) throw new UsageError(`${o.option} ${o.path}: names a folder (it ends with /), not a file`);
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
  // Not there: a name too long, a loop of links or a file where a folder should be say so now,
  // not after the work; a link to a missing file creates that file, so its target is checked.
  const code = statError(o.path);
  if (code !== null && code !== 'ENOENT') throw new UsageError(`${o.option} ${o.path}: cannot write it: ${systemErrorText({ code })}`);
  const link = lstatOrNull(o.path);
  if (link?.isSymbolicLink() === true) {
    const target = resolve(dirname(o.path), readlinkSync(o.path));
    if (depth >= 40) throw new UsageError(`${o.option} ${o.path}: cannot write it: ${systemErrorText({ code: 'ELOOP' })}`);
    checkCreatable({ option: `${o.option} ${o.path}, a link to`, path: target }, depth + 1);
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

/**
 * Whether one of `paths` is this process's standard output as a file or a pipe (`--log
 * /dev/stdout`, `--chrome /proc/self/fd/1`): the command's text must then go to stderr, or it
 * would be written into the output (a Chrome trace that is no longer JSON, a log that no longer
 * decodes). A terminal or /dev/null is not such an output.
 */
export function writesStdout(paths: readonly (string | null | undefined)[]): boolean {
  let out: Stats;
  try {
    out = fstatSync(1);
  } catch {
    return false;
  }
  if (out.isCharacterDevice()) return false;
  return paths.some((p) => {
    if (p === null || p === undefined || p === '') return false;
    const s = statOrNull(p);
    return s !== null && s.dev === out.dev && s.ino === out.ino;
  });
}
