/**
 * The binary log file (docs/event-log-format.md): a header with a magic number, a version,
 * the record size and the run's description as JSON, then the records exactly as they were
 * in the ring. Written with synchronous appends so a killed run keeps everything drained
 * before it died; read up to the last whole record.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { LogFormatError } from './decode.js';
import { RECORD_BYTES, RECORD_WORDS } from './layout.js';

export const LOG_MAGIC = 'TCESLOG\0';
export const LOG_VERSION = 1;
/** magic (8) + version (4) + record bytes (4) + metadata bytes (4) + reserved (4). */
const FIXED_HEADER = 24;

function headerBytes(meta: string): Buffer {
  const json = Buffer.from(meta, 'utf8');
  const padded = Math.ceil((FIXED_HEADER + json.length) / 8) * 8;
  const b = Buffer.alloc(padded);
  b.write(LOG_MAGIC, 0, 'latin1');
  b.writeUInt32LE(LOG_VERSION, 8);
  b.writeUInt32LE(RECORD_BYTES, 12);
  b.writeUInt32LE(json.length, 16);
  json.copy(b, FIXED_HEADER);
  return b;
}

export class LogFileWriter {
  private fd: number;
  records = 0;

  constructor(readonly path: string, metadata: unknown) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, headerBytes(JSON.stringify(metadata)));
  }

  /** Append `count` records from `words` (little-endian, as in memory). */
  append(words: Int32Array, count: number): void {
    if (this.fd < 0) throw new Error(`log ${this.path} is closed`);
    const bytes = new Uint8Array(words.buffer, words.byteOffset, count * RECORD_BYTES);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.records += count;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export interface LogFile {
  readonly metadata: unknown;
  /** All whole records, RECORD_WORDS Int32 words each. */
  readonly words: Int32Array;
  readonly records: number;
  /** Bytes after the last whole record (a run killed mid-write). */
  readonly trailingBytes: number;
}

/** Read a whole log; a file that is not a tcesim log is a LogFormatError naming it. */
export function readLogFile(path: string): LogFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const fixed = Buffer.alloc(FIXED_HEADER);
    if (size < FIXED_HEADER || readSync(fd, fixed, 0, FIXED_HEADER, 0) < FIXED_HEADER || fixed.toString('latin1', 0, 8) !== LOG_MAGIC) {
      throw new LogFormatError(`${path}: not a tcesim event log (bad magic)`);
    }
    const version = fixed.readUInt32LE(8);
    if (version !== LOG_VERSION) throw new LogFormatError(`${path}: log version ${version}, this tcesim reads version ${LOG_VERSION}`);
    if (fixed.readUInt32LE(12) !== RECORD_BYTES) throw new LogFormatError(`${path}: record size ${fixed.readUInt32LE(12)}, expected ${RECORD_BYTES}`);
    const metaLen = fixed.readUInt32LE(16);
    const start = Math.ceil((FIXED_HEADER + metaLen) / 8) * 8;
    if (start > size) throw new LogFormatError(`${path}: header cut off`);
    const meta = Buffer.alloc(metaLen);
    readSync(fd, meta, 0, metaLen, FIXED_HEADER);
    let metadata: unknown;
    try {
      metadata = JSON.parse(meta.toString('utf8'));
    } catch {
      throw new LogFormatError(`${path}: run description is not valid JSON`);
    }
    const records = Math.floor((size - start) / RECORD_BYTES);
    const words = new Int32Array(records * RECORD_WORDS);
    const view = new Uint8Array(words.buffer);
    let done = 0;
    while (done < view.length) {
      const n = readSync(fd, view, done, view.length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return { metadata, words, records, trailingBytes: size - start - records * RECORD_BYTES };
  } finally {
    closeSync(fd);
  }
}
