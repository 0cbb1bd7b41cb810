/**
 * The binary log file (docs/event-log-format.md): a header with a magic number, a version,
 * the record size and the run's description as JSON, then the records exactly as they were
 * in the ring. Written with synchronous appends so a killed run keeps everything drained
 * before it died; read up to the last whole record.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { LogFormatError } from './decode.js';
import { RECORD_BYTES, RECORD_WORDS } from './layout.js';
import { OutputWriteError } from './write-error.js';

export const LOG_MAGIC = 'TCESLOG\0';
/** Version 2 added FILL records (a run of table writes in one record); version 1 logs read the same. */
const LOG_VERSION = 2;
/** The versions this tcesim reads. */
const LOG_VERSIONS_READ: readonly number[] = [1, 2];

/** The error for a log of a version this tcesim does not read, or null. */
export function logVersionError(path: string, version: number): LogFormatError | null {
  if (LOG_VERSIONS_READ.includes(version)) return null;
  return new LogFormatError(`${path}: log version ${version}, this tcesim reads versions ${LOG_VERSIONS_READ.join(' and ')}` +
    (version > LOG_VERSION ? ' (written by a newer tcesim)' : ''));
}
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

/**
 * Appends records to a log file. A write that fails mid-run (full disk, a file-size limit)
 * does not throw into the drain that called it: the file is cut back to its last whole record,
 * so everything written before stays replayable, no more records are written, `onFailure` is
 * told (a run stops issuing calls), and close() throws an OutputWriteError saying all this.
 */
export class LogFileWriter {
  private fd: number;
  private readonly headerLength: number;
  /** Records written whole to the file. */
  records = 0;
  /** The write error that stopped the log, if one did. */
  failure: OutputWriteError | null = null;
  /** Called once, when a write fails. */
  onFailure: ((e: OutputWriteError) => void) | null = null;

  constructor(readonly path: string, metadata: unknown) {
    const header = headerBytes(JSON.stringify(metadata));
    this.headerLength = header.length;
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new OutputWriteError('event log', path, e, 'nothing was written');
    }
    try {
      writeAll(this.fd, header);
    } catch (e) {
      closeSync(this.fd);
      throw new OutputWriteError('event log', path, e, 'nothing usable was written');
    }
  }

  /** Append `count` records from `words` (little-endian, as in memory). */
  append(words: Int32Array, count: number): void {
    if (this.failure !== null) return;
    if (this.fd < 0) throw new Error(`log ${this.path} is closed`);
    const bytes = new Uint8Array(words.buffer, words.byteOffset, count * RECORD_BYTES);
    try {
      writeAll(this.fd, bytes);
    } catch (e) {
      this.fail(e);
      return;
    }
    this.records += count;
  }

  private fail(e: unknown): void {
    try {
      // A record half written would be ignored by readers anyway; cut it so the file is clean.
      ftruncateSync(this.fd, this.headerLength + this.records * RECORD_BYTES);
    } catch {
      // The device may not truncate (/dev/full): readers still stop at the last whole record.
    }
    const n = this.records.toLocaleString('en-US');
    this.failure = new OutputWriteError('event log', this.path, e,
      this.records === 0 ? 'no record was written' : `the ${n} records written before are whole and replayable (tcesim replay ${this.path})`);
    this.onFailure?.(this.failure);
  }

  /** Close the file; throws the write error if one stopped the log. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.failure !== null) throw this.failure;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** A run description is a few hundred bytes of JSON; a header claiming more is corrupt (and reading it would take that much memory). */
const MAX_DESCRIPTION_BYTES = 16 * 1024 * 1024;

/** The error for a header whose description length is corrupt, or null. */
export function descriptionLengthError(path: string, bytes: number): LogFormatError | null {
  return bytes > MAX_DESCRIPTION_BYTES ? new LogFormatError(`${path}: the header says its run description is ${bytes} bytes, more than a log's ${MAX_DESCRIPTION_BYTES}: a corrupt header`) : null;
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
    const versionError = logVersionError(path, version);
    if (versionError !== null) throw versionError;
    if (fixed.readUInt32LE(12) !== RECORD_BYTES) throw new LogFormatError(`${path}: record size ${fixed.readUInt32LE(12)}, expected ${RECORD_BYTES}`);
    const metaLen = fixed.readUInt32LE(16);
    const tooLong = descriptionLengthError(path, metaLen);
    if (tooLong !== null) throw tooLong;
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
