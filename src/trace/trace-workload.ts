/**
 * `trace`: replays a QEMU `spapr_iommu_*` trace log (docs/qemu-traces.md) as one guest's call
 * stream, on one vCPU. The main thread scans the whole trace first (tables, call count, every
 * line checked); the vCPU thread then reads it again in chunks, one call per next(), writing an
 * indirect's list into guest RAM just before the call, as the guest did.
 *
 * The trace has no guest time between calls, so the modelled clock counts hypercalls only.
 */
import { bigHi, bigLo, hex } from '../papr/u64.js';
import { H_GET_TCE, H_PUT_TCE_INDIRECT } from '../papr/hcalls.js';
import { F_OUT_HI, F_OUT_LO, F_RET } from '../papr/frame.js';
import { H_RTAS } from '../papr/rtas.js';
import { toBig } from '../papr/u64.js';
import { defaultPhbConfig, type PhbConfig } from '../userspace/spapr-phb.js';
import { qemuEventsOf } from '../workload/qemu-events.js';
import { readRtasRets, writeRtasArgs } from '../workload/rtas-buffer.js';
import { defaultMachineConfig, type TableConfig } from '../pipeline/machine-config.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';
import { setCall } from '../workload/frame-args.js';
import type { Workload, WorkloadContext, WorkloadParams, WorkloadSpec } from '../workload/workload.js';
import { parseTableOverrides } from './table-geometry.js';
import { TraceCallStream } from './trace-calls-stream.js';
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
export function checkTraceRun(vcpus: number, calls: number, params: WorkloadParams): void {
  if (vcpus !== 1) throw new RangeError(`vcpus ${vcpus}: a trace is one guest's call stream; replay it on 1 vCPU`);
  const scan = scanTraceParams(params);
  // Each machine event (--qemu-event) takes a call of its own.
  const events = qemuEventsOf(params).length;
  if (calls > scan.calls + events) throw new RangeError(`calls ${calls}: the trace ${scan.file} has only ${scan.calls} hypercalls`);
}

/** Where the guest's RTAS argument buffer lies: the last 4 KiB of its RAM. */
export function traceRtasBuffer(ram: GuestRam): number {
  return ram.slotBytes - 0x1000;
}

class TraceWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  /** Hcalls whose answer (or H_GET_TCE value) differs from the trace's (the path decides some: SPEC §6). */
  differingAnswers = 0;
  private readonly stream: TraceCallStream;
  private readonly ram: GuestRam;
  private left: number;
  private last: TraceCall | null = null;
  private lastLine = 0;

  constructor(ctx: WorkloadContext) {
    this.stream = new TraceCallStream(traceFile(ctx.params), parseTableOverrides(ctx.params['tables']), ctx.ram.slotBytes);
    this.ram = ctx.ram;
    this.left = ctx.calls;
  }

  next(f: Int32Array): void {
    const c = this.stream.next();
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

  /**
   * Check the answer against the trace. An RTAS call answers what QEMU answered in every mode
   * (RTAS always reaches QEMU), so a difference stops the replay naming the line; an hcall's
   * answer may differ with the path for malformed calls, so differences are counted.
   */
  answered(f: Int32Array): void {
    const c = this.last;
    if (c === null) return;
    if (c.rtas !== null) {
      const got = readRtasRets(this.ram, traceRtasBuffer(this.ram), c.rtas.args.length, c.rtas.expect.length);
      if (got.some((w, k) => w !== (c.rtas as TraceRtas).expect[k]! >>> 0)) {
        const show = (ws: readonly number[]): string => ws.map((w) => ((w | 0) <= 0 && (w | 0) > -16 ? String(w | 0) : hex(w >>> 0))).join(', ');
        throw new TraceFormatError(this.stream.file, this.lastLine,
          `${c.rtas.event} replayed as its RTAS call answered [${show(got)}]; QEMU answered [${show(c.rtas.expect)}]`);
      }
      return;
    }
    const ret = f[F_RET] as number;
    if (ret !== c.ret || (c.opcode === H_GET_TCE && ret === 0 && toBig(f[F_OUT_HI] as number >>> 0, f[F_OUT_LO] as number >>> 0) !== c.tce)) this.differingAnswers++;
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
