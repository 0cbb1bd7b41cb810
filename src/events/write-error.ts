/**
 * A file tcesim writes (the event log, an emitted QEMU trace, a Chrome trace, a bench file)
 * could not be written: full disk, a file-size limit, a folder in the way. One line naming the
 * file and the cause, and how much of it is good, so the CLI can say so instead of a stack trace.
 */
export class OutputWriteError extends Error {
  readonly code = 'EOUTPUT';

  /**
   * `what` names the output ("event log", "QEMU trace"); `cause` is the system error;
   * `kept` says what of the file is still good (empty when nothing useful is left).
   */
  constructor(readonly what: string, readonly path: string, override readonly cause: unknown, readonly kept = '') {
    super(`cannot write ${what} ${path}: ${systemErrorText(cause)}${kept === '' ? '' : `; ${kept}`}`);
    this.name = 'OutputWriteError';
  }
}

const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EFBIG: 'file too large (a file-size limit was reached)',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EBADF: 'bad file descriptor',
  EPIPE: 'the reader went away (broken pipe)',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'out of memory',
  ENXIO: 'no such device or address',
};

/** "no space left on device (ENOSPC)" for a Node system error; its message otherwise. */
export function systemErrorText(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') {
    const text = CAUSES[e.code];
    if (text !== undefined) return `${text} (${e.code})`;
    return e instanceof Error ? e.message : e.code;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Whether `e` is a Node system error (it has an errno code such as ENOSPC). */
export function isSystemError(e: unknown): e is Error & { code: string; syscall?: string; path?: string } {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code) && 'errno' in e;
}
