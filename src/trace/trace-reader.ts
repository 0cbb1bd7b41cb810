/**
 * A QEMU trace log read line by line with synchronous reads of one fixed buffer, so a trace of
 * any size is read in bounded memory, and so a workload can pull its next call from a vCPU
 * thread that must not await.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { TraceFormatError } from './trace-error.js';
import type { QemuTraceEvent } from './trace-events.js';
import { FALLBACK, parseTraceBytes } from './trace-bytes.js';
import { parseTraceLine } from './trace-line.js';

/** Buffer size, and so the longest line taken: QEMU's lines are under 200 bytes. */
const TRACE_BUFFER_BYTES = 1 << 16;

const LF = 10;
const CR = 13;

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a folder', ENOTDIR: 'a folder on its path is a file',
};

/** An fs error as a trace error naming the file. */
export function traceReadError(file: string, e: unknown): TraceFormatError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  const why = READ_ERRORS[code] ?? (e instanceof Error ? e.message : String(e));
  return new TraceFormatError(file, 0, `cannot read the trace (${why})`);
}

const EVENT_NAME = Buffer.from('spapr_iommu_', 'latin1');

export class TraceReader {
  private fd: number;
  private readonly buf: Buffer;
  private start = 0;
  private end = 0;
  private eof = false;
  /** The current line's bytes: buf[lineFrom, lineTo). */
  private lineFrom = 0;
  private lineTo = 0;
  /** Number of the last line returned (1-based; 0 before the first). */
  line = 0;
  /** Lines passed over: blank, other trace points, QEMU's own messages. */
  skipped = 0;
  /** Of those, lines with a spapr_iommu_ event name after other text (mangled or joined lines), and the first. */
  mangled = 0;
  firstMangled = 0;

  /** Opens `file`; throws a TraceFormatError naming it when it cannot be read. */
  constructor(readonly file: string, bufferBytes = TRACE_BUFFER_BYTES) {
    try {
      this.fd = openSync(file, 'r');
    } catch (e) {
      throw traceReadError(file, e);
    }
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }

  /** The next line without its line break (a trailing CR is dropped), or null at the end of the file. */
  nextLine(): string | null {
    return this.advance() ? this.text(this.lineFrom, this.lineTo) : null;
  }

  /**
   * The next `spapr_iommu_*` event, or null at the end; a malformed line throws a
   * TraceFormatError. The common lines are parsed from the buffer's bytes (trace-bytes.ts);
   * any other goes to parseTraceLine as text.
   */
  next(): QemuTraceEvent | null {
    for (;;) {
      if (!this.advance()) return null;
      const e = this.parseLine();
      if (e !== null) return e;
    }
  }

  /** Step to the next line (its bytes: bytes[lineFrom, lineTo)); false at the end of the file. */
  nextLineBytes(): boolean {
    return this.advance();
  }

  /** The buffer the current line lies in (valid until the next step). */
  get bytes(): Buffer {
    return this.buf;
  }
  get from(): number {
    return this.lineFrom;
  }
  get to(): number {
    return this.lineTo;
  }

  /**
   * The current line's `spapr_iommu_*` event, or null for a line passed over (counted); a
   * malformed line throws a TraceFormatError. Parsed from its bytes when it has a common form,
   * else by parseTraceLine as text.
   */
  parseLine(): QemuTraceEvent | null {
    const fast = parseTraceBytes(this.buf, this.lineFrom, this.lineTo);
    if (fast !== FALLBACK) {
      if (fast === null) this.skip();
      return fast;
    }
    let e: QemuTraceEvent | null;
    try {
      e = parseTraceLine(this.text(this.lineFrom, this.lineTo));
    } catch (err) {
      throw new TraceFormatError(this.file, this.line, err instanceof Error ? err.message : String(err));
    }
    if (e === null) this.skip();
    return e;
  }

  /** A line passed over; one that names a spapr_iommu_ event after other text is counted too, so the run can say so. */
  private skip(): void {
    this.skipped++;
    if (this.buf.subarray(this.lineFrom, this.lineTo).includes(EVENT_NAME) && this.mangled++ === 0) this.firstMangled = this.line;
  }

  /** Find the next line: its bytes are buf[lineFrom, lineTo) (trailing CR dropped). False at the end of the file. */
  private advance(): boolean {
    for (;;) {
      const nl = this.buf.indexOf(LF, this.start);
      if (nl >= 0 && nl < this.end) {
        this.setLine(this.start, nl);
        this.start = nl + 1;
        return true;
      }
      if (this.eof) {
        if (this.start === this.end) return false;
        this.setLine(this.start, this.end);
        this.start = this.end;
        return true;
      }
      this.fill();
    }
  }

  private setLine(from: number, to: number): void {
    this.lineFrom = from;
    this.lineTo = to > from && this.buf[to - 1] === CR ? to - 1 : to;
    this.line++;
  }

  /** Release the file (also done at its end); safe to call twice. */
  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private text(from: number, to: number): string {
    return this.buf.toString('latin1', from, to);
  }

  /** Move the unread tail to the front and read more after it. */
  private fill(): void {
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buf.length) {
      throw new TraceFormatError(this.file, this.line + 1, `line is longer than ${this.buf.length} bytes: not a QEMU trace`);
    }
    let n: number;
    try {
      n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
    } catch (e) {
      this.close();
      throw traceReadError(this.file, e);
    }
    if (n === 0) {
      this.eof = true;
      this.close();
    } else {
      this.end += n;
    }
  }
}
