/**
 * A trace's calls, rebuilt once: the pre-scan (trace-scan.ts) reads the trace text on the
 * main thread anyway, to check every line before a run; it also writes each call it rebuilds
 * as a fixed 64-byte record into a file of this process's in the temporary folder. The
 * replay's vCPU thread and the answer check then read the calls from that file — in fixed
 * chunks, so memory stays bounded whatever the trace's length — instead of parsing the text
 * twice more. The file is removed when the process exits; a thread that finds no file reads
 * the text as before (TraceCallStream.nextHot). A process killed outright (SIGKILL, a crash)
 * cannot remove its files: the next one to write a file removes those of processes that are
 * gone (sweepStaleCallFiles).
 *
 * Record (16 Int32 words): 0 opcode; 1 flags (bit 0 no table, bit 1 reconstructed list;
 * H_RTAS: bits 8-15 args, 16-23 expected words, 24-31 the ddw event); 2 trace line;
 * hcall: 3 liobn, 4 liobn high word, 5/6 ioba hi/lo, 7/8 arg hi/lo, 9 npages, 10/11 the
 * list's first entry hi/lo (H_GET_TCE: the value the trace shows), 12 log2 of the list's step
 * (-1: step 0), 13/15 bytes mapped hi/lo, 14 the answer; H_RTAS: 3 token, 4 nret, 5-9 the
 * argument words, 10-14 the words QEMU answered.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H_GET_TCE, H_PUT_TCE_INDIRECT } from '../papr/hcalls.js';
import { H_RTAS } from '../papr/rtas.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';
import { setCall } from '../workload/frame-args.js';
import type { HotCall } from './trace-calls-hot.js';
import type { TraceCall, TraceRtas } from './trace-calls.js';

const CALL_WORDS = 16;
const CALL_BYTES = CALL_WORDS * 4;
/** Records read or written at once. */
const CHUNK_CALLS = 2048;
const TWO32 = 4294967296;

export const CF_OPCODE = 0;
export const CF_FLAGS = 1;
export const CF_LINE = 2;
export const CF_LIOBN = 3;
export const CF_LIOBN_HI = 4;
export const CF_IOBA_HI = 5;
export const CF_IOBA_LO = 6;
export const CF_ARG_HI = 7;
export const CF_ARG_LO = 8;
export const CF_NPAGES = 9;
export const CF_LIST_HI = 10;
export const CF_LIST_LO = 11;
export const CF_STEP_SHIFT = 12;
const CF_MAPPED_HI = 13;
export const CF_RET = 14;
const CF_MAPPED_LO = 15;
/** H_GET_TCE: the value the trace shows, in the list's words. @alias */
export const CF_TCE_HI = CF_LIST_HI;
/** @alias */
export const CF_TCE_LO = CF_LIST_LO;

export const CFF_NO_TABLE = 1;
export const CFF_RECONSTRUCTED = 2;

const RTAS_EVENTS = ['ddw_query', 'ddw_create', 'ddw_remove', 'ddw_reset'];
const RTAS_MAX_WORDS = 5;

/** Bytes mapped by a record's call. */
export function mappedOf(w: Int32Array, o: number): number {
  return (w[o + CF_MAPPED_HI] as number) * TWO32 + ((w[o + CF_MAPPED_LO] as number) >>> 0);
}

/** The RTAS call an H_RTAS record holds (rare: allocates). */
export function rtasOf(w: Int32Array, o: number): TraceRtas {
  const flags = w[o + CF_FLAGS] as number;
  const nargs = (flags >>> 8) & 0xff;
  const nexpect = (flags >>> 16) & 0xff;
  return {
    token: w[o + 3] as number, nret: w[o + 4] as number,
    args: Array.from(w.subarray(o + 5, o + 5 + nargs), (x) => x >>> 0),
    expect: Array.from(w.subarray(o + 10, o + 10 + nexpect), (x) => x >>> 0),
    event: RTAS_EVENTS[flags >>> 24] ?? 'ddw',
  };
}

function hi(v: bigint): number {
  return Number((v >> 32n) & 0xffffffffn);
}
function lo(v: bigint): number {
  return Number(v & 0xffffffffn);
}

/** The file of this process's calls of trace `file` (its identity, the table overrides and RAM size in the name). */
export function callFilePath(file: string, size: number, mtimeMs: number, ino: number, tablesParam: string, ramBytes: number): string {
  const id = createHash('sha1').update(JSON.stringify([file, size, mtimeMs, ino, tablesParam, ramBytes])).digest('hex').slice(0, 16);
  return join(tmpdir(), `tcesim-calls-${process.pid}-${id}.bin`);
}

const written = new Set<string>();
let exitHook = false;
let swept = false;

/** A call file's name, and the process it belongs to. */
const CALL_FILE_NAME = /^tcesim-calls-(\d+)-[0-9a-f]{16}\.bin(?:\.part)?$/;

/** Whether process `pid` exists (one of another user's counts: it may be a tcesim run). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the call files, finished or partial, of processes that no longer exist (killed before
 * their exit hook ran); another live process's files, and this one's, stay. Best effort: a
 * file that cannot be removed is left. Returns how many were removed.
 */
export function sweepStaleCallFiles(dir = tmpdir()): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = CALL_FILE_NAME.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processExists(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed++;
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** Appends call records; finish() publishes the file (renamed into place), abandon() drops it. */
export class CallFileWriter {
  private readonly part: string;
  private fd: number;
  private readonly words = new Int32Array(CHUNK_CALLS * CALL_WORDS);
  private n = 0;

  constructor(readonly path: string) {
    if (!swept) {
      swept = true;
      sweepStaleCallFiles();
    }
    this.part = `${path}.part`;
    this.fd = openSync(this.part, 'w');
  }

  private slot(): number {
    if (this.n === CHUNK_CALLS) this.flush();
    const o = this.n++ * CALL_WORDS;
    this.words.fill(0, o, o + CALL_WORDS);
    return o;
  }

  /** A call rebuilt on the hot path (every word written: no fill per record). */
  addHot(h: HotCall, line: number): void {
    if (this.n === CHUNK_CALLS) this.flush();
    const o = this.n++ * CALL_WORDS;
    const w = this.words;
    w[o + CF_OPCODE] = h.opcode;
    w[o + CF_FLAGS] = 0;
    w[o + CF_LINE] = line;
    w[o + CF_LIOBN] = h.liobn;
    w[o + CF_LIOBN_HI] = 0;
    w[o + CF_IOBA_HI] = h.callIobaHi;
    w[o + CF_IOBA_LO] = h.callIobaLo;
    w[o + CF_ARG_HI] = h.argHi;
    w[o + CF_ARG_LO] = h.argLo;
    w[o + CF_NPAGES] = h.callNpages;
    if (h.opcode === H_PUT_TCE_INDIRECT) {
      w[o + CF_LIST_HI] = h.listFirstHi;
      w[o + CF_LIST_LO] = h.listFirstLo;
      w[o + CF_STEP_SHIFT] = Math.log2(h.listStep);
    } else if (h.opcode === H_GET_TCE) {
      w[o + CF_TCE_HI] = h.aHi;
      w[o + CF_TCE_LO] = h.aLo;
      w[o + CF_STEP_SHIFT] = 0;
    } else {
      w[o + CF_LIST_HI] = 0;
      w[o + CF_LIST_LO] = 0;
      w[o + CF_STEP_SHIFT] = -1;
    }
    w[o + CF_MAPPED_HI] = Math.floor(h.mappedBytes / TWO32);
    w[o + CF_MAPPED_LO] = h.mappedBytes % TWO32;
    w[o + CF_RET] = 0;
  }

  /** A call rebuilt by traceCall (or an RTAS call). */
  add(c: TraceCall, line: number): void {
    const w = this.words;
    const o = this.slot();
    w[o + CF_OPCODE] = c.opcode;
    w[o + CF_LINE] = line;
    if (c.rtas !== null) {
      const r = c.rtas;
      if (r.args.length > RTAS_MAX_WORDS || r.expect.length > RTAS_MAX_WORDS) throw new Error(`${r.event}: more than ${RTAS_MAX_WORDS} RTAS words`);
      w[o + CF_FLAGS] = (r.args.length << 8) | (r.expect.length << 16) | (Math.max(0, RTAS_EVENTS.indexOf(r.event)) << 24);
      w[o + 3] = r.token;
      w[o + 4] = r.nret;
      r.args.forEach((x, i) => (w[o + 5 + i] = x));
      r.expect.forEach((x, i) => (w[o + 10 + i] = x));
      return;
    }
    w[o + CF_FLAGS] = (c.noTable ? CFF_NO_TABLE : 0) | (c.reconstructed ? CFF_RECONSTRUCTED : 0);
    w[o + CF_LIOBN] = c.liobn;
    w[o + CF_LIOBN_HI] = c.liobnHi;
    w[o + CF_IOBA_HI] = hi(c.ioba);
    w[o + CF_IOBA_LO] = lo(c.ioba);
    w[o + CF_ARG_HI] = hi(c.arg);
    w[o + CF_ARG_LO] = lo(c.arg);
    w[o + CF_NPAGES] = c.npages;
    if (c.opcode === H_GET_TCE) {
      w[o + CF_TCE_HI] = hi(c.tce);
      w[o + CF_TCE_LO] = lo(c.tce);
    } else {
      w[o + CF_LIST_HI] = hi(c.listFirst);
      w[o + CF_LIST_LO] = lo(c.listFirst);
      // traceCall's step is 0 or a page: a power of two.
      w[o + CF_STEP_SHIFT] = c.listStep === 0n ? -1 : c.listStep.toString(2).length - 1;
    }
    w[o + CF_MAPPED_HI] = Math.floor(c.mappedBytes / TWO32);
    w[o + CF_MAPPED_LO] = c.mappedBytes % TWO32;
    w[o + CF_RET] = c.ret;
  }

  private flush(): void {
    const b = new Uint8Array(this.words.buffer, 0, this.n * CALL_BYTES);
    let done = 0;
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done);
    this.n = 0;
  }

  /** Write what is left and put the file in place (removed when this process exits). */
  finish(): void {
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.part, this.path);
    written.add(this.path);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const p of written) {
          try {
            unlinkSync(p);
          } catch {
            // already gone
          }
        }
      });
    }
  }

  /** Drop the file (the scan failed). */
  abandon(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    try {
      unlinkSync(this.part);
    } catch {
      // never written
    }
  }
}

/** Reads call records in order, a chunk at a time. */
export class CallFileReader {
  readonly words = new Int32Array(CHUNK_CALLS * CALL_WORDS);
  private readonly view = new Uint8Array(this.words.buffer);
  private fd: number;
  private count = 0;
  private at = 0;
  private pos = 0;

  /** Opens `path`; throws when it cannot (the caller then reads the trace text). */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  /** The word offset of the next record in `words`, or -1 at the end. */
  next(): number {
    if (this.at === this.count) {
      if (this.fd < 0) return -1;
      const b = this.view;
      let got = 0;
      while (got < b.length) {
        const n = readSync(this.fd, b, got, b.length - got, this.pos + got);
        if (n === 0) break;
        got += n;
      }
      this.pos += got;
      this.count = Math.floor(got / CALL_BYTES);
      this.at = 0;
      if (this.count === 0) {
        this.close();
        return -1;
      }
    }
    return this.at++ * CALL_WORDS;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Whether the record at `o` is an RTAS call. */
export function isRtasRecord(w: Int32Array, o: number): boolean {
  return w[o + CF_OPCODE] === H_RTAS;
}

/**
 * The hcall of the record at `o` into frame `f`, an indirect's list first written into guest
 * RAM as the guest wrote it. Allocation-free.
 */
export function setRecordCall(f: Int32Array, ram: GuestRam, w: Int32Array, o: number): void {
  const opcode = w[o + CF_OPCODE] as number;
  const argHi = (w[o + CF_ARG_HI] as number) >>> 0;
  const argLo = (w[o + CF_ARG_LO] as number) >>> 0;
  const npages = w[o + CF_NPAGES] as number;
  if (opcode === H_PUT_TCE_INDIRECT) {
    const at = argHi * TWO32 + argLo;
    const firstHi = (w[o + CF_LIST_HI] as number) >>> 0;
    const firstLo = (w[o + CF_LIST_LO] as number) >>> 0;
    const shift = w[o + CF_STEP_SHIFT] as number;
    const step = shift < 0 ? 0 : 2 ** shift;
    // Entry i = first + i * step (mod 2^64), in halves: i * step stays below 2^53.
    for (let i = 0; i < npages; i++) {
      const x = firstLo + i * step;
      const carry = Math.floor(x / TWO32);
      ram.writeBeHalves(at + i * 8, (firstHi + carry) % TWO32, x - carry * TWO32);
    }
  }
  setCall(f, opcode, w[o + CF_LIOBN] as number, w[o + CF_IOBA_HI] as number, w[o + CF_IOBA_LO] as number, argHi, argLo, npages, w[o + CF_LIOBN_HI]);
}
