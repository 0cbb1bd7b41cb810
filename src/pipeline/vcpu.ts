/**
 * A vCPU: its workload, its frame, its modelled clock, and the vCPU step of every call it
 * makes. Built on the thread that runs it (a vCPU worker, or the main thread inline).
 */
import { THREAD_VCPU, threadWord } from '../events/layout.js';
import type { SharedRing } from '../events/ring.js';
import { EventWriter } from '../events/writer.js';
import { F_RET, F_SEQ, F_VCPU, FRAME_BYTES, FRAME_WORDS } from '../papr/frame.js';
import { F_COST_F64 } from '../shared-memory/frame-slots.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import type { SharedMachine } from '../shared-memory/shared-machine.js';
import { TceTables } from '../shared-memory/tce-tables.js';
import { withQemuEvents } from '../workload/qemu-events.js';
import type { Workload, WorkloadParams, WorkloadSpec } from '../workload/workload.js';
import { TierMeter, type CostTable } from './costs.js';
import { vcpuStep, type StepContext } from './steps.js';

export interface VcpuSetup {
  readonly shared: SharedMachine;
  readonly ring: SharedRing;
  readonly frames: SharedArrayBuffer;
  readonly vcpu: number;
  readonly vcpus: number;
  readonly firstTier: number;
  readonly workload: string;
  readonly workloadParams: WorkloadParams;
  readonly seed: number;
  readonly calls: number;
  readonly costs: CostTable;
}

export interface VcpuTotals {
  vcpu: number;
  calls: number;
  /** Modelled nanoseconds: every call's cost plus the guest's own time between calls. */
  clockNs: number;
  /** Modelled nanoseconds spent in hypercalls only. */
  hcallNs: number;
  /** Bytes mapped for DMA by calls that succeeded. */
  mappedBytes: number;
}

export class Vcpu {
  readonly f: Int32Array;
  readonly fd: Float64Array;
  readonly ctx: StepContext;
  readonly workload: Workload;
  readonly totals: VcpuTotals;

  /** `spec` is the workload `setup.workload` names (registry.ts, or load.ts on a vCPU thread). */
  constructor(readonly setup: VcpuSetup, spec: WorkloadSpec) {
    const t = new TceTables(setup.shared);
    const w = new EventWriter(setup.ring, 'fail');
    w.thread = threadWord(THREAD_VCPU, setup.vcpu);
    t.writeLog = w;
    this.ctx = { t, w, meter: new TierMeter(setup.costs) };
    this.f = new Int32Array(setup.frames, setup.vcpu * FRAME_BYTES, FRAME_WORDS);
    this.fd = new Float64Array(setup.frames, setup.vcpu * FRAME_BYTES, FRAME_WORDS / 2);
    this.workload = withQemuEvents(spec.create({
      seed: setup.seed, params: setup.workloadParams, vcpu: setup.vcpu, vcpus: setup.vcpus, calls: setup.calls, ram: t.ram,
    }), setup.workloadParams, setup.vcpu);
    this.totals = { vcpu: setup.vcpu, calls: 0, clockNs: 0, hcallNs: 0, mappedBytes: 0 };
  }

  /** Make call `seq`: the workload fills the frame, then entry and real mode. STEP_ANSWERED or STEP_NEXT. */
  begin(seq: number): number {
    const f = this.f;
    this.workload.next(f);
    f[F_VCPU] = this.setup.vcpu;
    f[F_SEQ] = seq;
    return vcpuStep(this.ctx, this.setup.firstTier, f, this.fd, this.totals.clockNs);
  }

  /** The call has its answer (whichever tier gave it): advance the modelled clock. */
  end(): void {
    const cost = this.fd[F_COST_F64] as number;
    const tot = this.totals;
    tot.calls++;
    tot.hcallNs += cost;
    tot.clockNs += cost + this.workload.guestNs;
    if (this.f[F_RET] === H_SUCCESS) tot.mappedBytes += this.workload.mappedBytes;
    this.workload.answered?.(this.f);
  }
}
