/**
 * `trace`: replays a QEMU `spapr_iommu_*` trace log (docs/qemu-traces.md) as one guest's call
 * stream, on one vCPU. The main thread scans the whole trace first (tables, call count, every
 * line checked); the vCPU thread then reads it again in chunks, one call per next(), writing an
 * indirect's list into guest RAM just before the call, as the guest did.
 *
 * The trace has no guest time between calls, so the modelled clock counts hypercalls only.
 */
import { bigHi, bigLo } from '../papr/u64.js';
import { H_PUT_TCE_INDIRECT } from '../papr/hcalls.js';
import { defaultMachineConfig, type TableConfig } from '../pipeline/machine-config.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';
import { setCall } from '../workload/frame-args.js';
import type { Workload, WorkloadContext, WorkloadParams, WorkloadSpec } from '../workload/workload.js';
import { parseTableOverrides } from './table-geometry.js';
import { TraceCallStream } from './trace-calls-stream.js';
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
  if (calls > scan.calls) throw new RangeError(`calls ${calls}: the trace ${scan.file} has only ${scan.calls} hypercalls`);
}

class TraceWorkload implements Workload {
  mappedBytes = 0;
  guestNs = 0;
  private readonly stream: TraceCallStream;
  private readonly ram: GuestRam;
  private left: number;

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
    if (c.opcode === H_PUT_TCE_INDIRECT) {
      // The guest writes its list (big-endian TCEs) before making the call.
      const at = Number(c.arg);
      for (let i = 0; i < c.npages; i++) {
        const tce = c.listFirst + BigInt(i) * c.listStep;
        this.ram.writeBeHalves(at + i * 8, bigHi(tce), bigLo(tce));
      }
    }
    setCall(f, c.opcode, c.liobn, bigHi(c.ioba), bigLo(c.ioba), bigHi(c.arg), bigLo(c.arg), c.npages);
    this.mappedBytes = c.mappedBytes;
    if (--this.left === 0) this.stream.close();
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
  checkRun: checkTraceRun,
  create: (ctx) => new TraceWorkload(ctx),
};
