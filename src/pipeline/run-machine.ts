/**
 * The main thread's side of a run: the shared machine (tables, guest RAM), the event ring and
 * its drain and sinks, the QEMU model, and the vCPU frames, set up the same way whether the
 * run is threaded or inline.
 */
import { LogDrain, FileRecordSink, MemoryRecordSink, EventStreamSink } from '../events/drain.js';
import { LogFileWriter } from '../events/log-file.js';
import { allocateRing, type SharedRing } from '../events/ring.js';
import { recordFinalTables, recordTableChange, recordTableMove, recordTables, recordVcpuTotals } from '../events/table-records.js';
import { phbsForEvents } from '../userspace/phbs-for-events.js';
import { traceAnswerSink, type TraceAnswerCheck, type TraceAnswerSink } from '../trace/trace-answer-check.js';
import { recordTraceRunCounts, traceRunCounts } from '../trace/trace-run-counts.js';
import { scanTraceParams, TRACE_WORKLOAD } from '../trace/trace-workload.js';
import { qemuEventsOf } from '../workload/qemu-events.js';
import { EventWriter } from '../events/writer.js';
import { FRAME_BYTES, FRAME_WORDS } from '../papr/frame.js';
import { MODES } from '../papr/tiers.js';
import { CallStats } from '../report/call-stats.js';
import { allocateSharedMachine, type SharedMachine } from '../shared-memory/shared-machine.js';
import { TceTables } from '../shared-memory/tce-tables.js';
import { spaprTceHcalls, type HcallTable } from '../userspace/hcall-table.js';
import { SpaprIommu } from '../userspace/spapr-iommu.js';
import { workloadByName } from '../workload/registry.js';
import type { WorkloadSpec } from '../workload/workload.js';
import { TierMeter } from './costs.js';
import { defaultMachineConfig } from './machine-config.js';
import { MODE_TIERS } from './machine.js';
import { checkRunOptions, type RunOptions } from './run-options.js';
import type { StepContext } from './steps.js';
import type { VcpuTotals } from './vcpu.js';
import { Host } from '../host/host.js';
import { KvmVfioDevice } from '../host/kvm-vfio.js';
import { logHost, recordHostFinal } from '../host/host-records.js';
import { HwWriteCounter, hostSummary, type HostSummary } from '../report/host-report.js';
import { setUpPassthrough, type Passthrough } from '../userspace/vfio-setup.js';
import { passthroughArenaEntries, passthroughHwTables } from './machine.js';
import { passthroughOf } from './machine-file.js';

const RUN_LOG_FORMAT = 'tcesim-run';

export class RunMachine {
  readonly spec: WorkloadSpec;
  readonly shared: SharedMachine;
  readonly ring: SharedRing;
  readonly frames: SharedArrayBuffer;
  readonly tables: TceTables;
  readonly drain: LogDrain;
  readonly writer: EventWriter;
  readonly qemu: SpaprIommu;
  readonly hcalls: HcallTable;
  readonly stats = new CallStats();
  readonly memory: MemoryRecordSink | null;
  readonly stream = new EventStreamSink();
  readonly file: LogFileWriter | null;
  readonly firstTier: number;
  readonly main: StepContext;
  /** The host and KVM-VFIO device when devices are passed through (options.machine), else null. */
  readonly host: Host | null = null;
  readonly kvmVfio: KvmVfioDevice | null = null;
  readonly passthrough: Passthrough[] = [];
  readonly hwWrites = new HwWriteCounter();
  /** A trace replay's answer check, or null. */
  private traceCheck: TraceAnswerSink | null = null;
  /** Its counts (options.traceCheck, or the run's own when it writes a log): recorded in the log when the run ends. */
  private traceCounts: TraceAnswerCheck | null = null;

  constructor(readonly options: RunOptions) {
    checkRunOptions(options);
    if (!MODES.includes(options.mode)) throw new RangeError(`mode ${JSON.stringify(options.mode)} must be one of ${MODES.join(', ')}`);
    this.spec = workloadByName(options.workload);
    const config = defaultMachineConfig();
    this.spec.checkRun?.(options.vcpus, options.calls, options.workloadParams);
    config.tables = this.spec.tables(options.vcpus, options.workloadParams);
    const md = options.machine ?? null;
    if (md !== null) {
      if (md.ramBytes !== undefined) config.ramBytes = md.ramBytes;
      if (md.hostPageShift !== undefined) config.hostPageShift = md.hostPageShift;
      if (md.inKernelMultiTce !== undefined) config.inKernelMultiTce = md.inKernelMultiTce;
      if (md.devices.length > 0 || md.groups.length > 0) config.passthrough = passthroughOf(md, config.tables);
    }
    const phbs = this.spec.phbs?.(options.vcpus, options.workloadParams) ?? [];
    config.tables = phbsForEvents(config.tables, phbs, qemuEventsOf(options.workloadParams));
    // Each PHB's default window, and room for the windows its guest creates.
    const phbEntries = phbs.reduce((n, p) => n + Number(p.dmaWinSize >> 12n) + 2 ** 22, 0);
    const entries = config.tables.reduce((n, t) => n + t.entries, 0) + passthroughArenaEntries(config.passthrough, config.tables) + phbEntries;
    this.shared = allocateSharedMachine({
      ramBytes: Number(config.ramBytes),
      hostPageShift: config.hostPageShift,
      inKernelMultiTce: config.inKernelMultiTce,
      rangeCheck: config.rangeCheck,
      maxTables: Math.max(config.maxTables, config.tables.length + 2 * phbs.length),
      arenaEntries: entries + 2 ** 16,
      maxHwTables: passthroughHwTables(config.passthrough),
      spinBudget: config.spinBudget,
      ramUserAddr: config.passthrough?.host.ramUserAddr,
      ramHostPhys: config.passthrough?.host.ramHostPhys,
    });
    this.tables = new TceTables(this.shared);
    this.firstTier = MODE_TIERS[options.mode][0] as number;
    this.ring = allocateRing(options.ringRecords, options.ringFirst ?? 0);
    this.frames = new SharedArrayBuffer(options.vcpus * FRAME_BYTES);
    this.drain = new LogDrain(this.ring);
    this.drain.addSink(this.stats);
    this.drain.addSink(this.hwWrites);
    this.drain.addSink(this.stream);
    this.memory = options.keepRecords ? new MemoryRecordSink() : null;
    if (this.memory !== null) this.drain.addSink(this.memory);
    this.file = options.log === null ? null : new LogFileWriter(options.log, this.description());
    if (this.file !== null) this.drain.addSink(new FileRecordSink(this.file));
    this.writer = new EventWriter(this.ring, () => this.drain.drain());
    this.tables.writeLog = this.writer;
    const p = config.passthrough;
    if (p !== undefined) {
      // The host exists, and logs, before QEMU's first table: KVM charges each kernel table to its locked memory.
      this.host = new Host(this.tables, p.host, p.groups);
      logHost(this.host, this.writer);
    }
    this.qemu = new SpaprIommu(this.tables, { kernelTables: options.mode !== 'userspace', host: this.host });
    for (const tb of config.tables) this.qemu.bootTable(tb);
    for (const phb of phbs) this.qemu.addPhb(phb);
    this.qemu.idle = () => this.drain.drain();
    this.qemu.trace = options.qemuTrace ?? null;
    // QEMU prints new_table for each table it enables at boot.
    this.qemu.traceLiveTables();
    this.qemu.tableChanged = (liobn, slot, created) => recordTableChange(this.writer, this.tables, slot, liobn, !created);
    // A trace replay's answers are checked when asked, and always when there is a log to record them in.
    const counts = options.traceCheck ?? (options.log !== null ? { checked: 0, differing: 0, first: null } : null);
    if (counts !== null && this.spec.name === TRACE_WORKLOAD) {
      this.traceCounts = counts;
      this.traceCheck = traceAnswerSink(options.workloadParams, Number(config.ramBytes), counts);
      this.drain.addSink(this.traceCheck);
    }
    this.qemu.tableMoved = (liobn, slot, replayed) => {
      recordTableMove(this.writer, this.tables, slot, liobn, replayed);
      options.qemuEventLog?.moves.push({ liobn, replayed: replayed.length });
    };
    this.hcalls = spaprTceHcalls();
    this.main = { t: this.tables, w: this.writer, meter: new TierMeter(options.costs) };
    if (p !== undefined && this.host !== null) {
      // QEMU's start: containers, preregistration, host windows and KVM links, before any call.
      this.kvmVfio = new KvmVfioDevice(this.host);
      for (const d of p.devices) this.passthrough.push(setUpPassthrough(this.tables, this.qemu, this.host, this.kvmVfio, d));
    }
    recordTables(this.writer, this.tables);
    this.drain.drain();
  }

  /** The run's description, stored in the log file header. */
  description(): Record<string, unknown> {
    const o = this.options;
    return {
      format: RUN_LOG_FORMAT, mode: o.mode, vcpus: o.vcpus, workload: o.workload, workloadParams: o.workloadParams, calls: o.calls, seed: o.seed,
      costs: o.costs, ringRecords: o.ringRecords,
      ...(o.machine ? { machine: o.machine.source } : {}),
    };
  }

  frame(vcpu: number): { f: Int32Array; fd: Float64Array } {
    return {
      f: new Int32Array(this.frames, vcpu * FRAME_BYTES, FRAME_WORDS),
      fd: new Float64Array(this.frames, vcpu * FRAME_BYTES, FRAME_WORDS / 2),
    };
  }

  /** What the host did during the run, or null without passed-through devices. */
  hostSummary(): HostSummary | null {
    return this.host === null ? null : hostSummary(this.host, this.hwWrites, this.passthrough);
  }

  /** After every thread has stopped: record the vCPUs' totals and the final tables, drain, close the file. */
  finish(totals: readonly VcpuTotals[], wallMs: number): void {
    recordVcpuTotals(this.writer, totals, wallMs);
    if (this.host !== null) recordHostFinal(this.host, this.writer);
    if (this.traceCounts !== null) {
      // Every answer reaches the check before its counts are recorded.
      this.drain.drain();
      recordTraceRunCounts(this.writer, traceRunCounts(scanTraceParams(this.options.workloadParams), this.traceCounts));
    }
    recordFinalTables(this.writer, this.tables);
    this.drain.drain();
    this.traceCheck?.close();
    this.stream.complete();
    this.file?.close();
  }
}
