/**
 * The event log read a block of records at a time, for exports of logs too big to hold in
 * memory. `readLogFile` (src/events/log-file.ts) reads the whole file into one array; this
 * reads the same header (docs/event-log-format.md) and then whole records in blocks, into one
 * buffer reused for every block. Only whole records are read: bytes after the last whole
 * record (a run killed mid-write) are counted and ignored, as every reader does.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { LogFormatError } from '../events/decode.js';
import { RECORD_BYTES, RECORD_WORDS } from '../events/layout.js';
import { descriptionLengthError, LOG_MAGIC, logVersionError } from '../events/log-file.js';

/** magic (8) + version (4) + record bytes (4) + description bytes (4) + reserved (4), as in log-file.ts. */
const FIXED_HEADER = 24;
/** Records per block by default: 4096 × 64 bytes = 256 KiB per read. */
const DEFAULT_BLOCK_RECORDS = 4096;

/** Records `first` .. `first + count - 1` of the log, RECORD_WORDS Int32 words each, from word 0 of `words`. */
export interface RecordBlock {
  readonly words: Int32Array;
  readonly count: number;
  readonly first: number;
}

/** What a path that is not a regular file is ("a pipe (FIFO)"), or null for a regular file or a folder (open says EISDIR). */
function notAFile(s: Stats): string | null {
  if (s.isFIFO()) return 'a pipe (FIFO)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return null;
}

export class LogStream {
  private fd: number;
  /** The run description from the header (JSON). */
  readonly metadata: unknown;
  /** Whole records in the file. */
  readonly records: number;
  /** Bytes after the last whole record (a run killed mid-write). */
  readonly trailingBytes: number;
  private readonly start: number;

  /** Open a log and read its header; a file that is not a tcesim log is a LogFormatError naming it. */
  constructor(readonly path: string) {
    // A log is read at known offsets (twice, for some commands): a pipe, a FIFO or a device
    // cannot be, and opening a FIFO would wait for a writer forever. Say so before opening.
    const kind = notAFile(statSync(path));
    if (kind !== null) throw new LogFormatError(`${path}: is ${kind}, not a log file (give the log's file; a log cannot be read from a pipe)`);
    this.fd = openSync(path, 'r');
    try {
      const size = fstatSync(this.fd).size;
      const fixed = Buffer.alloc(FIXED_HEADER);
      if (size < FIXED_HEADER || readSync(this.fd, fixed, 0, FIXED_HEADER, 0) < FIXED_HEADER || fixed.toString('latin1', 0, 8) !== LOG_MAGIC) {
        throw new LogFormatError(`${path}: not a tcesim event log (bad magic)`);
      }
      const version = fixed.readUInt32LE(8);
      const versionError = logVersionError(path, version);
      if (versionError !== null) throw versionError;
      if (fixed.readUInt32LE(12) !== RECORD_BYTES) throw new LogFormatError(`${path}: record size ${fixed.readUInt32LE(12)}, expected ${RECORD_BYTES}`);
      const metaLen = fixed.readUInt32LE(16);
      const tooLong = descriptionLengthError(path, metaLen);
      if (tooLong !== null) throw tooLong;
      this.start = Math.ceil((FIXED_HEADER + metaLen) / 8) * 8;
      if (this.start > size) throw new LogFormatError(`${path}: header cut off`);
      const meta = Buffer.alloc(metaLen);
      readSync(this.fd, meta, 0, metaLen, FIXED_HEADER);
      try {
        this.metadata = JSON.parse(meta.toString('utf8'));
      } catch {
        throw new LogFormatError(`${path}: run description is not valid JSON`);
      }
      this.records = Math.floor((size - this.start) / RECORD_BYTES);
      this.trailingBytes = size - this.start - this.records * RECORD_BYTES;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /**
   * Every whole record in file order, `blockRecords` at a time. The block's buffer is reused:
   * a consumer must be done with one block before asking for the next.
   */
  *blocks(blockRecords = DEFAULT_BLOCK_RECORDS): Generator<RecordBlock, void, undefined> {
    if (!Number.isInteger(blockRecords) || blockRecords < 1) throw new RangeError(`block of ${blockRecords} records: must be a positive integer`);
    const words = new Int32Array(Math.min(blockRecords, Math.max(this.records, 1)) * RECORD_WORDS);
    const bytes = new Uint8Array(words.buffer);
    for (let first = 0; first < this.records; first += blockRecords) {
      if (this.fd < 0) throw new Error(`log ${this.path} is closed`);
      const count = Math.min(blockRecords, this.records - first);
      const want = count * RECORD_BYTES;
      let done = 0;
      while (done < want) {
        const n = readSync(this.fd, bytes, done, want - done, this.start + first * RECORD_BYTES + done);
        if (n === 0) throw new LogFormatError(`${this.path}: the file shrank while it was being read`);
        done += n;
      }
      yield { words, count, first };
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
