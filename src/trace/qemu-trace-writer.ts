/**
 * `--emit-qemu-trace FILE`: the QEMU model's trace points written as QEMU 7.2 prints them: one
 * line per hcall the userspace tier handles, and the window (new_table) and DDW lines. Lines are buffered and written to the file with
 * synchronous writes (the userspace tier runs synchronously on the main thread) whenever the
 * buffer fills, and the rest on close(), which whoever owns the run calls when it ends,
 * whether it completed or failed (see withQemuTrace).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { QemuTraceLines } from './qemu-trace-lines.js';
import { OutputWriteError } from '../events/write-error.js';

/** Bytes (characters: the lines are ASCII) buffered before a write. */
const EMIT_BUFFER_CHARS = 1 << 16;

export class QemuTraceWriter extends QemuTraceLines {
  private fd: number;
  private buffer: string[] = [];
  private buffered = 0;
  /** Lines written or buffered. */
  lines = 0;

  /** Creates (or truncates) `file`; throws a RangeError naming it when it cannot be written. */
  constructor(readonly file: string, private readonly bufferChars = EMIT_BUFFER_CHARS) {
    super();
    try {
      this.fd = openSync(file, 'w');
    } catch (e) {
      const why = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : String(e);
      throw new RangeError(`cannot write the QEMU trace ${file} (${why})`, { cause: e });
    }
  }

  /** Write what is buffered. */
  flush(): void {
    if (this.buffered === 0 || this.fd < 0) return;
    const bytes = Buffer.from(this.buffer.join(''), 'latin1');
    this.buffer = [];
    this.buffered = 0;
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at, bytes.length - at);
    } catch (e) {
      // One line naming the file and the cause; no more lines are written after this.
      closeSync(this.fd);
      this.fd = -1;
      throw new OutputWriteError('QEMU trace', this.file, e, 'the lines written before it are in the file');
    }
  }

  /** Flush and close the file; safe to call twice. */
  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  protected push(line: string): void {
    if (this.fd < 0) throw new Error(`the QEMU trace ${this.file} is already closed`);
    this.buffer.push(line, '\n');
    this.buffered += line.length + 1;
    this.lines++;
    if (this.buffered >= this.bufferChars) this.flush();
  }
}

/**
 * Run `run` with a QEMU trace written to `file` (none when null), closing it when the run ends:
 * on success and on failure alike, so a failed run leaves every line up to its failure.
 */
export async function withQemuTrace<T>(file: string | null, run: (trace: QemuTraceWriter | null) => Promise<T> | T): Promise<T> {
  const trace = file === null ? null : new QemuTraceWriter(file);
  try {
    return await run(trace);
  } finally {
    trace?.close();
  }
}
