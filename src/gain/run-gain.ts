/**
 * The experiment: the same seeded workload (or a trace) through every machine, inline and so
 * exactly reproducible. Each machine is run once with its cost table, which gives its paths and
 * its modelled time, and once per cost with that cost alone set to 1 ns, which counts how many
 * times a call pays it (two costs share a run where their counts can be told apart); the
 * passed-through path's host work (ioctls, pins, preregistered-memory lookups) is counted from
 * the run's host summary. A call's modelled time is linear in the costs and its path does not
 * depend on them, so the counts give the cost ladder (where the time goes, tier by tier) and
 * the gain under any other cost table (the sensitivity in src/gain/sensitivity.ts) exactly.
 */
import { COST_NAMES, PIPELINE_COST_NAMES, type CostName, type CostTable, type Cpu } from '../pipeline/costs.js';
import { machineFromFlags } from '../pipeline/machine-file.js';
import type { HostSummary } from '../report/host-report.js';
import { runInline } from '../pipeline/inline-run.js';
import type { RunResult } from '../pipeline/run-result.js';
import { defaultRunOptions } from '../pipeline/run-options.js';
import { runFigures } from '../report/report.js';
import { nicBuffer } from '../workload/nic.js';
import { DEFAULT_MTU, nicWire, wireBytesPerSec, type NicWire } from '../workload/nic-wire.js';
import type { WorkloadParams } from '../workload/workload.js';
import { GAIN_MACHINES, type GainMachine } from './machines.js';

/** The workloads a device can be passed through for (as tcesim run --vfio): the others run emulated devices only. */
const PASSTHROUGH_WORKLOADS: readonly string[] = ['nic', 'storage'];
import { throughputOf, type Throughput } from './throughput.js';

export interface GainOptions {
  readonly workload: string;
  readonly params: WorkloadParams;
  readonly vcpus: number;
  /** Calls per vCPU. */
  readonly calls: number;
  readonly seed: number;
  /** The cost table of each processor. */
  readonly costs: Readonly<Record<Cpu, CostTable>>;
  readonly machines?: readonly GainMachine[];
}

/** How many times one vCPU's calls paid each cost, and what else its clock holds. */
export interface VcpuCounts {
  readonly counts: Readonly<Record<CostName, number>>;
  /** The guest's own modelled time (driver work between calls). */
  readonly guestNs: number;
  readonly payloadBytes: number;
  readonly calls: number;
}

export interface LadderStep {
  readonly cost: CostName;
  /** Modelled nanoseconds per call spent on this cost. */
  readonly nsPerCall: number;
}

export interface MachineGain extends Throughput {
  readonly machine: GainMachine;
  readonly costs: CostTable;
  readonly calls: number;
  readonly callsPerSec: number;
  /** Modelled hypercall nanoseconds per call. */
  readonly nsPerCall: number;
  /** Throughput over the same processor's machine without acceleration; null for those. */
  readonly gain: number | null;
  readonly ladder: readonly LadderStep[];
  readonly answeredBy: Readonly<Record<string, number>>;
  readonly vcpus: readonly VcpuCounts[];
}

export interface GainRun {
  readonly options: Omit<GainOptions, 'machines'>;
  readonly wire: NicWire;
  /** Bytes per buffer the wire carries them in (the NIC's packet buffer; the MTU otherwise). */
  readonly bufferBytes: number;
  readonly machines: readonly MachineGain[];
}

/** The wire and the buffer size: the nic workload's own; for other workloads 10 GbE full frames. */
function wireOf(workload: string, params: WorkloadParams): { wire: NicWire; bufferBytes: number } {
  if (workload === 'nic') return { wire: nicWire('nic', params), bufferBytes: nicBuffer(params).bytes };
  return { wire: nicWire(workload, {}), bufferBytes: DEFAULT_MTU };
}

function zeroCosts(): Record<CostName, number> {
  return Object.fromEntries(COST_NAMES.map((n) => [n, 0])) as Record<CostName, number>;
}

function runOnce(o: GainOptions, m: GainMachine, costs: CostTable): RunResult {
  const machine = m.device === 'emulated' ? null : machineFromFlags({ vfio: m.device === 'vfio-v1' ? 'v1' : 'v2' }, null);
  return runInline({
    ...defaultRunOptions(), mode: m.mode, workload: o.workload, workloadParams: o.params,
    vcpus: o.vcpus, calls: o.calls, seed: o.seed, costs, ringRecords: 2 ** 16, machine,
  });
}

/**
 * How many times each vCPU's calls paid each pipeline cost. Several costs share a run when their
 * counts are bounded (count x cost <= the real run's hypercall time): cost k at M_k ns, each M a
 * power of two above everything the lower costs can add up to, gives a sum that splits exactly
 * while it stays below 2^53.
 */
function pipelineCounts(o: GainOptions, m: GainMachine, costs: CostTable, real: RunResult): Record<CostName, number>[] {
  const counts = real.vcpus.map(() => zeroCosts());
  const hcallNs = real.vcpus.reduce((n, v) => Math.max(n, v.hcallNs), 0);
  const bound = (k: CostName): number => (costs[k] > 0 ? Math.floor(hcallNs / costs[k]) : Infinity);
  // Real mode's costs are never paid by a mode that does not start there; in mode userspace the
  // kernel only passes the call on (virtmodeEntry), so virtual mode's per-entry work is never paid.
  const todo = PIPELINE_COST_NAMES.filter((k) => (m.mode === 'realmode' || (k !== 'realmodeEntry' && k !== 'realmodePerEntry'))
    && (m.mode !== 'userspace' || k !== 'virtmodePerEntry'));
  while (todo.length > 0) {
    const group: { k: CostName; mult: number }[] = [];
    let mult = 1;
    while (todo.length > 0) {
      const k = todo[0] as CostName;
      const next = mult * 2 ** Math.ceil(Math.log2(bound(k) + 2));
      if (group.length > 0 && !(next < 2 ** 53)) break;
      group.push({ k, mult });
      todo.shift();
      if (!Number.isFinite(next)) break;
      mult = next;
    }
    const unit = zeroCosts();
    for (const g of group) unit[g.k] = g.mult;
    const r = runOnce(o, m, unit);
    r.vcpus.forEach((v, i) => {
      const c = counts[i] as Record<CostName, number>;
      let rest = v.hcallNs;
      for (let j = group.length - 1; j >= 0; j--) {
        const g = group[j] as { k: CostName; mult: number };
        c[g.k] = Math.floor(rest / g.mult);
        rest -= c[g.k] * g.mult;
      }
    });
  }
  return counts;
}

/**
 * The passed-through path's host work during the calls, from the run's host counts, shared
 * evenly by the vCPUs (each drives its own device): QEMU's MAP_DMA and UNMAP_DMA ioctls, the
 * pins a v1 container takes and releases for them (a v2 container pins guest RAM once, at
 * preregistration, before the first call), and one preregistered-memory lookup per hardware
 * entry KVM writes.
 */
function hostCounts(m: GainMachine, host: HostSummary | null | undefined, vcpus: number): Pick<Record<CostName, number>, 'vfioIoctl' | 'pinPage' | 'preregLookup'> {
  if (m.device === 'emulated' || host == null) return { vfioIoctl: 0, pinPage: 0, preregLookup: 0 };
  const ioctls = host.ioctls.filter(([k]) => k.startsWith('MAP_DMA ') || k.startsWith('UNMAP_DMA ')).reduce((n, [, c]) => n + c, 0);
  const pins = m.device === 'vfio-v1' ? host.pinsTaken + host.pinsReleased : host.pinsReleased;
  const kernelHw = (host.hwWritesByTier['realmode'] ?? 0) + (host.hwWritesByTier['virtmode'] ?? 0);
  return { vfioIoctl: ioctls / vcpus, pinPage: pins / vcpus, preregLookup: m.device === 'vfio-v2' ? kernelHw / vcpus : 0 };
}

/** Payload bytes a vCPU handed the device: whole buffers for the NIC, bytes mapped otherwise. */
function payloadOf(o: GainOptions, mappedBytes: number): number {
  if (o.workload !== 'nic') return mappedBytes;
  const b = nicBuffer(o.params);
  return mappedBytes / (b.pages * 4096) * b.bytes;
}

/** A vCPU's modelled clock under `costs`, from its counts. */
export function clockUnder(v: VcpuCounts, costs: CostTable): number {
  let ns = v.guestNs;
  for (const k of COST_NAMES) ns += v.counts[k] * costs[k];
  return ns;
}

function measure(o: GainOptions, m: GainMachine): { costs: CostTable; vcpus: VcpuCounts[]; answeredBy: Record<string, number> } {
  const costs = o.costs[m.cpu];
  const real = runOnce(o, m, costs);
  const pipeline = pipelineCounts(o, m, costs, real);
  const host = hostCounts(m, real.host, o.vcpus);
  const vcpus = real.vcpus.map((v, i) => ({
    counts: { ...(pipeline[i] as Record<CostName, number>), ...host }, guestNs: v.clockNs - v.hcallNs,
    payloadBytes: payloadOf(o, v.mappedBytes), calls: v.calls,
  }));
  // The pipeline counts must rebuild the run's own clock: the linearity everything here rests on.
  const pipelineOnly: CostTable = { ...costs, vfioIoctl: 0, pinPage: 0, preregLookup: 0 };
  vcpus.forEach((v, i) => {
    const want = (real.vcpus[i] as { clockNs: number }).clockNs;
    if (Math.abs(clockUnder(v, pipelineOnly) - want) > 1e-6 * Math.max(1, want)) {
      throw new Error(`${m.id}: cost counts rebuild ${clockUnder(v, pipelineOnly)} ns, the run modelled ${want} ns`);
    }
  });
  return { costs, vcpus, answeredBy: { ...runFigures(real.stats).answeredBy } };
}

/** A machine's figures from its counts under `costs` (also used for the sensitivity). */
export function machineFigures(vcpus: readonly VcpuCounts[], costs: CostTable, wireBytes: number): Throughput & { callsPerSec: number; nsPerCall: number; ladder: LadderStep[] } {
  const t = throughputOf(vcpus.map((v) => ({ clockNs: clockUnder(v, costs), payloadBytes: v.payloadBytes })), wireBytes);
  const calls = vcpus.reduce((n, v) => n + v.calls, 0);
  const payload = vcpus.reduce((n, v) => n + v.payloadBytes, 0);
  const ladder = COST_NAMES.map((k) => ({ cost: k, nsPerCall: vcpus.reduce((n, v) => n + v.counts[k] * costs[k], 0) / Math.max(1, calls) }));
  return {
    ...t,
    callsPerSec: payload > 0 ? t.bytesPerSec * calls / payload : 0,
    nsPerCall: ladder.reduce((n, s) => n + s.nsPerCall, 0),
    ladder,
  };
}

export function runGain(o: GainOptions): GainRun {
  const { wire, bufferBytes } = wireOf(o.workload, o.params);
  const wireBytes = wireBytesPerSec(wire, bufferBytes);
  const machines = o.machines ?? GAIN_MACHINES.filter((m) => m.device === 'emulated' || PASSTHROUGH_WORKLOADS.includes(o.workload));
  const measured = machines.map((m) => ({ m, ...measure(o, m) }));
  const figures = measured.map((x) => ({ x, f: machineFigures(x.vcpus, x.costs, wireBytes) }));
  const byId = new Map(figures.map((e) => [e.x.m.id, e.f.bytesPerSec]));
  const out: MachineGain[] = figures.map(({ x, f }) => {
    const base = x.m.baseline === null ? undefined : byId.get(x.m.baseline);
    return {
      ...f, machine: x.m, costs: x.costs, calls: x.vcpus.reduce((n, v) => n + v.calls, 0),
      gain: base === undefined || base <= 0 ? null : f.bytesPerSec / base,
      answeredBy: x.answeredBy, vcpus: x.vcpus,
    };
  });
  const { machines: _m, ...options } = o;
  return { options, wire, bufferBytes, machines: out };
}
