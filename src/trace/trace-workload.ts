/**
 * `trace`: replays a QEMU `spapr_iommu_*` trace log (docs/qemu-traces.md) as one guest's call
 * stream, on one vCPU. The main thread scans the whole trace first (tables, call count, every
 * line checked); the vCPU thread then reads it again in chunks, one call per next(), writing an
 * indirect's list into guest RAM just before the call, as the guest did.
 *
 * The trace has no guest time between calls, so the modelled clock counts hypercalls only.
 */
import { bigHi, bigLo, hex } from '../papr/u64.js';
import { H_PUT_TCE_INDIRECT } from '../papr/hcalls.js';
import { H_RTAS } from '../papr/rtas.js';
import { defaultPhbConfig, type PhbConfig } from '../userspace/spapr-phb.js';
import { qemuEventsOf } from '../workload/qemu-events.js';
import { readRtasRets, writeRtasArgs } from '../workload/rtas-buffer.js';
import { defaultMachineConfig, type TableConfig } from '../pipeline/machine-config.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';
import { setCall } from '../workload/frame-args.js';
import type { Workload, WorkloadContext, WorkloadParams, WorkloadSpec } from '../workload/workload.js';
import { parseTableOverrides } from './table-geometry.js';
import { TraceCallStream } from './trace-calls-stream.js';
import { HotCall } from './trace-calls-hot.js';
import { CF_LINE, CallFileReader, callFilePath, isRtasRecord, mappedOf, rtasOf, setRecordCall } from './trace-calls-file.js';
import { statSync } from 'node:fs';
import type { TraceCall, TraceRtas } from './trace-calls.js';
import { TraceFormatError } from './trace-error.js';
import { scanTrace, type TraceScan } from './trace-scan.js';

export const TRACE_WORKLOAD = 'trace';

/** Guest RAM of the run's machine: an indirect's list must lie in it. */
function ramBytes(): number {
  return Number(defaultMachineConfig().ramBytes);
}

function traceFile(params: WorkloadParams): string {
  const file = params['file'];
  if (file === undefined || file === '') throw new RangeError('workload trace needs file=PATH (or: tcesim run --trace PATH)');
  return file;
}

/** The pre-scan of the trace `params` name (remembered, so repeating it is cheap); main thread. */
export function scanTraceParams(params: WorkloadParams): TraceScan {
  const scan = scanTrace(traceFile(params), params['tables'], ramBytes());
  if (scan.calls === 0) {
    throw new TraceFormatError(scan.file, 0, `no spapr_iommu hcall lines in its ${scan.lines} lines: nothing to replay`);
  }
  return scan;
}

/** Refuses a run of `calls` calls on `vcpus` vCPUs that the trace `params` name cannot make. */
function checkTraceRun(vcpus: number, calls: number, params: WorkloadParams): void {
  if (vcpus !== 1) throw new RangeError(`vcpus ${vcpus}: a trace is one guest's call stream; replay it on 1 vCPU`);
  const scan = scanTraceParams(params);
  // Each machine event (--qemu-event) takes a call of its own.
  const events = qemuEventsOf(params).length;
  if (calls > scan.calls + events) throw new RangeError(`calls ${calls}: the trace ${scan.file} has only ${scan.calls} hypercalls`);
}

/** Where the guest's RTAS argument buffer lies: the last 4 KiB of its RAM. */
function traceRtasBuffer(ram: GuestRam): number {
  return ram.slotBytes - 0x1000;
}

class TraceWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  private readonly stream: TraceCallStream;
  private readonly ram: GuestRam;
  private left: number;
  private last: TraceCall | null = null;
  /** The common lines' calls, rebuilt without allocating; whether the last call was one. */
  private readonly hot = new HotCall();
  private lastLine = 0;

  /** The calls the pre-scan rebuilt (trace-calls-file.ts), or null: the text is read. */
  private readonly file: CallFileReader | null;
  /** The record of the last call read from `file`. */
  private at = -1;
  private fileCalls = 0;

  constructor(ctx: WorkloadContext) {
    this.stream = new TraceCallStream(traceFile(ctx.params), parseTableOverrides(ctx.params['tables']), ctx.ram.slotBytes);
    this.ram = ctx.ram;
    this.left = ctx.calls;
    this.file = openCallFile(traceFile(ctx.params), ctx.params['tables'] ?? '', ctx.ram.slotBytes);
    if (this.file !== null) this.stream.close();
  }

  next(f: Int32Array): void {
    if (this.file !== null) {
      this.nextRecord(f, this.file);
      return;
    }
    const c = this.stream.nextHot(this.hot);
    if (c instanceof HotCall) {
      this.nextHot(f, c);
      return;
    }
    if (c === null) {
      throw new TraceFormatError(this.stream.file, this.stream.reader.line, `the trace ended after ${this.stream.calls} calls; the run wants more`);
    }
    this.last = c;
    this.lastLine = this.stream.reader.line;
    if (c.rtas !== null) {
      // The guest writes its RTAS arguments into its memory and passes their address in r4.
      const at = traceRtasBuffer(this.ram);
      writeRtasArgs(this.ram, at, c.rtas.token, c.rtas.args.length, c.rtas.nret, c.rtas.args);
      setCall(f, H_RTAS, at, 0, 0, 0, 0, 0);
      this.mappedBytes = 0;
      if (--this.left === 0) this.stream.close();
      return;
    }
    if (c.opcode === H_PUT_TCE_INDIRECT) {
      // The guest writes its list (big-endian TCEs) before making the call.
      const at = Number(c.arg);
      for (let i = 0; i < c.npages; i++) {
        const tce = c.listFirst + BigInt(i) * c.listStep;
        this.ram.writeBeHalves(at + i * 8, bigHi(tce), bigLo(tce));
      }
    }
    setCall(f, c.opcode, c.liobn, bigHi(c.ioba), bigLo(c.ioba), bigHi(c.arg), bigLo(c.arg), c.npages, c.liobnHi);
    this.mappedBytes = c.mappedBytes;
    if (--this.left === 0) this.stream.close();
  }

  /** The next call from the pre-scan's records, as next() makes it from the text. */
  private nextRecord(f: Int32Array, file: CallFileReader): void {
    const o = file.next();
    if (o < 0) throw new TraceFormatError(this.stream.file, 0, `the trace ended after ${this.fileCalls} calls; the run wants more`);
    this.at = o;
    this.fileCalls++;
    const w = file.words;
    if (isRtasRecord(w, o)) {
      const rtas = rtasOf(w, o);
      const at = traceRtasBuffer(this.ram);
      writeRtasArgs(this.ram, at, rtas.token, rtas.args.length, rtas.nret, rtas.args);
      setCall(f, H_RTAS, at, 0, 0, 0, 0, 0);
      this.mappedBytes = 0;
    } else {
      setRecordCall(f, this.ram, w, o);
      this.mappedBytes = mappedOf(w, o);
    }
    if (--this.left === 0) file.close();
  }

  /** A common line's call, rebuilt in plain numbers (trace-calls-hot.ts): as next() makes it from a TraceCall. */
  private nextHot(f: Int32Array, h: HotCall): void {
    this.last = null;
    if (h.opcode === H_PUT_TCE_INDIRECT) {
      const at = h.argHi * 4294967296 + h.argLo;
      for (let i = 0; i < h.callNpages; i++) {
        const x = h.listFirstLo + i * h.listStep;
        const carry = Math.floor(x / 4294967296);
        this.ram.writeBeHalves(at + i * 8, h.listFirstHi + carry, x - carry * 4294967296);
      }
    }
    setCall(f, h.opcode, h.liobn, h.callIobaHi, h.callIobaLo, h.argHi, h.argLo, h.callNpages, 0);
    this.mappedBytes = h.mappedBytes;
    if (--this.left === 0) this.stream.close();
  }

  /** An RTAS call answers what QEMU answered in every mode: a difference stops the replay naming the line. */
  private checkRtas(rtas: TraceRtas, line: number): void {
    const got = readRtasRets(this.ram, traceRtasBuffer(this.ram), rtas.args.length, rtas.expect.length);
    if (got.some((w, k) => w !== rtas.expect[k]! >>> 0)) {
      const show = (ws: readonly number[]): string => ws.map((w) => ((w | 0) <= 0 && (w | 0) > -16 ? String(w | 0) : hex(w >>> 0))).join(', ');
      throw new TraceFormatError(this.stream.file, line, `${rtas.event} replayed as its RTAS call answered [${show(got)}]; QEMU answered [${show(rtas.expect)}]`);
    }
  }

  /**
   * An RTAS call answers what QEMU answered in every mode (RTAS always reaches QEMU), so its
   * answer is checked here and a difference stops the replay naming the line. Hcall answers,
   * which may differ with the path for malformed calls, are counted on the main thread as the
   * log is drained (trace-answer-check.ts).
   */
  answered(): void {
    if (this.file !== null) {
      const w = this.file.words;
      if (this.at >= 0 && isRtasRecord(w, this.at)) this.checkRtas(rtasOf(w, this.at), w[this.at + CF_LINE] as number);
      return;
    }
    const c = this.last;
    if (c !== null && c.rtas !== null) this.checkRtas(c.rtas, this.lastLine);
  }
}

/** The pre-scan's call records of this trace (trace-calls-file.ts), or null when there are none to read. */
function openCallFile(file: string, tables: string, ramBytes: number): CallFileReader | null {
  try {
    const st = statSync(file);
    return new CallFileReader(callFilePath(file, st.size, st.mtimeMs, st.ino, tables, ramBytes));
  } catch {
    return null;
  }
}

export const traceWorkload: WorkloadSpec = {
  name: TRACE_WORKLOAD,
  description: 'replay a QEMU spapr_iommu trace log (one vCPU; docs/qemu-traces.md)',
  params: {
    file: 'PATH: the QEMU trace log to replay (required)',
    tables: 'LIOBN:PAGE:OFFSET:SIZE[+...]: table geometry overrides, e.g. 0x80000000:4K:0:1G [from the trace, else sPAPR defaults]',
  },
  sharesTables: false,
  tables(vcpus: number, params: WorkloadParams): TableConfig[] {
    if (vcpus !== 1) throw new RangeError(`vcpus ${vcpus}: a trace is one guest's call stream; replay it on 1 vCPU`);
    return scanTraceParams(params).tables.map((g) => ({
      liobn: g.liobn, busOffset: g.busOffset, pageShift: g.pageShift, entries: g.entries, userspaceOnly: false,
    }));
  },
  phbs(_vcpus: number, params: WorkloadParams): PhbConfig[] {
    return scanTraceParams(params).phbs.map((p) => ({ ...defaultPhbConfig(p.index), dmaWinAddr: p.dmaWinAddr, dmaWinSize: p.dmaWinSize }));
  },
  checkRun: checkTraceRun,
  create: (ctx) => new TraceWorkload(ctx),
};
