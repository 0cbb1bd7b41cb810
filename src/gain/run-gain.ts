/**
 * The experiment: the same seeded workload (or a trace) through every machine, inline and so
 * exactly reproducible. Each machine is run once with its cost table, which gives its paths and
 * its modelled time, and once per cost with that cost alone set to 1 ns, which counts how many
 * times a call pays it. A call's modelled time is linear in the costs and its path does not
 * depend on them, so the counts give the cost ladder (where the time goes, tier by tier) and
 * the gain under any other cost table (the sensitivity in src/gain/sensitivity.ts) exactly.
 */
import { COST_NAMES, type CostName, type CostTable, type Cpu } from '../pipeline/costs.js';
import { runInline } from '../pipeline/inline-run.js';
import type { RunResult } from '../pipeline/run-result.js';
import { defaultRunOptions } from '../pipeline/run-options.js';
import { runFigures } from '../report/report.js';
import { nicBuffer } from '../workload/nic.js';
import { DEFAULT_MTU, nicWire, wireBytesPerSec, type NicWire } from '../workload/nic-wire.js';
import type { WorkloadParams } from '../workload/workload.js';
import { GAIN_MACHINES, type GainMachine } from './machines.js';
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
export function wireOf(workload: string, params: WorkloadParams): { wire: NicWire; bufferBytes: number } {
  if (workload === 'nic') return { wire: nicWire('nic', params), bufferBytes: nicBuffer(params).bytes };
  return { wire: nicWire(workload, {}), bufferBytes: DEFAULT_MTU };
}

function unitCosts(name: CostName): CostTable {
  const c = Object.fromEntries(COST_NAMES.map((n) => [n, 0])) as Record<CostName, number>;
  c[name] = 1;
  return c;
}

function runOnce(o: GainOptions, m: GainMachine, costs: CostTable): RunResult {
  return runInline({
    ...defaultRunOptions(), mode: m.mode, workload: o.workload, workloadParams: o.params,
    vcpus: o.vcpus, calls: o.calls, seed: o.seed, costs, ringRecords: 2 ** 16,
  });
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
  const counts = real.vcpus.map(() => ({} as Record<CostName, number>));
  for (const k of COST_NAMES) {
    const r = runOnce(o, m, unitCosts(k));
    r.vcpus.forEach((v, i) => { (counts[i] as Record<CostName, number>)[k] = v.hcallNs; });
  }
  const vcpus = real.vcpus.map((v, i) => ({
    counts: counts[i] as Record<CostName, number>, guestNs: v.clockNs - v.hcallNs,
    payloadBytes: payloadOf(o, v.mappedBytes), calls: v.calls,
  }));
  // The counts must rebuild the run's own clock: the linearity everything here rests on.
  vcpus.forEach((v, i) => {
    const want = (real.vcpus[i] as { clockNs: number }).clockNs;
    if (Math.abs(clockUnder(v, costs) - want) > 1e-6 * Math.max(1, want)) {
      throw new Error(`${m.id}: cost counts rebuild ${clockUnder(v, costs)} ns, the run modelled ${want} ns`);
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
  const machines = o.machines ?? GAIN_MACHINES;
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
