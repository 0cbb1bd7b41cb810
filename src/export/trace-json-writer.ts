/**
 * Writes a Chrome Trace Event JSON object to a file as the events are made, never holding more
 * than one buffer of them: `{ ...header, "traceEvents": [` first, then one event per line,
 * then `]}`. A trace of millions of calls is written in constant memory.
 */
import { closeSync, fstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { OutputWriteError } from '../events/write-error.js';
import type { TraceEvent } from './trace-events.js';

/** Bytes of JSON gathered before one write. */
const FLUSH_BYTES = 1 << 20;

export class TraceJsonWriter {
  private fd: number;
  private chunks: string[] = [];
  private pending = 0;
  /** Events written so far. */
  events = 0;
  private readonly regular: boolean;

  /**
   * Create (or truncate) `path` and write the header: every key of `header` (e.g.
   * `displayTimeUnit`, `otherData`), then the opening of `traceEvents`. Throws what opening
   * the file throws (ENOENT, EACCES, EISDIR, …).
   */
  constructor(readonly path: string, header: Readonly<Record<string, unknown>>) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new OutputWriteError('Chrome trace', path, e);
    }
    // Only a regular file is ours to remove on failure (never a device such as /dev/full).
    this.regular = fstatSync(this.fd).isFile();
    let head = '{';
    for (const [k, v] of Object.entries(header)) head += `${JSON.stringify(k)}:${JSON.stringify(v)},\n`;
    this.push(`${head}"traceEvents":[\n`);
  }

  event(e: TraceEvent): void {
    this.push(this.events === 0 ? JSON.stringify(e) : `,\n${JSON.stringify(e)}`);
    this.events++;
  }

  /** Close the array and the object, write what is left, close the file. */
  close(): void {
    this.push('\n]}\n');
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Give up: close the file and remove it, so no half-written trace is left behind. */
  abort(): void {
    this.chunks = [];
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (!this.regular) return;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to clean up.
    }
  }

  private push(s: string): void {
    this.chunks.push(s);
    this.pending += s.length;
    if (this.pending >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.fd < 0) throw new Error(`trace ${this.path} is closed`);
    const buf = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.pending = 0;
    let done = 0;
    try {
      while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    } catch (e) {
      // A half-written JSON file is of no use to anyone: it is removed.
      this.abort();
      throw new OutputWriteError('Chrome trace', this.path, e, this.regular ? 'the partial file was removed' : '');
    }
  }
}
