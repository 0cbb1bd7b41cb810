/**
 * The gain report: one plain object (what --json prints and the HTML report draws) and its text
 * form. It says which figures are predictions (all of the machine table) and which are checked
 * (the held-out published figures, with by how much each prediction misses), and names the
 * least certain cost.
 */
import type { CostName, CostTable } from '../pipeline/costs.js';
import { formatFigure, textTable } from '../regression/text-table.js';
import type { NicWire } from '../workload/nic-wire.js';
import type { WorkloadParams } from '../workload/workload.js';
import { COST_SOURCES } from './cost-sources.js';
import { checksOf } from './published.js';
import type { GainRun } from './run-gain.js';
import { leastCertain, sensitivityOf, swing, type GainPair, type Sensitivity } from './sensitivity.js';
import { PUBLISHED } from './published.js';

export const GAIN_FORMAT = 'tcesim-gain/1';

/** The tier each cost is paid in, for the ladder. */
export const COST_TIER: Readonly<Record<CostName, string>> = {
  realmodeEntry: 'real mode', realmodePerEntry: 'real mode',
  virtmodeEntry: 'virtual mode', virtmodePerEntry: 'virtual mode', pageAllocate: 'virtual mode',
  userspaceEntry: 'QEMU', qemuDispatch: 'QEMU', userspacePerEntry: 'QEMU',
  hwEntry: 'hardware', preregLookup: 'hardware',
  vfioIoctl: 'VFIO', pinPage: 'VFIO',
};

export interface MachineRow {
  readonly id: string;
  readonly label: string;
  readonly cpu: string;
  readonly mode: string;
  readonly device: string;
  readonly mbPerSec: number;
  readonly callsPerSec: number;
  readonly gain: number | null;
  readonly limitedBy: 'hypercalls' | 'wire';
  readonly pathMBPerSec: number;
  readonly wireMBPerSec: number;
  readonly nsPerCall: number;
  readonly ladder: readonly { cost: CostName; tier: string; nsPerCall: number }[];
  readonly answeredBy: Readonly<Record<string, number>>;
  readonly costs: CostTable;
}

export interface CheckRow {
  readonly id: string;
  readonly source: string;
  readonly says: string;
  readonly machine: string;
  /** For a gain: the machine it is over. */
  readonly over?: string;
  readonly quantity: string;
  readonly low: number;
  readonly high: number | null;
  readonly linkMbps: number;
  readonly predicted: number;
  readonly miss: number;
}

export interface GainReport {
  readonly format: typeof GAIN_FORMAT;
  readonly workload: string;
  readonly params: WorkloadParams;
  readonly vcpus: number;
  readonly callsPerVcpu: number;
  readonly seed: number;
  readonly wire: NicWire;
  readonly bufferBytes: number;
  readonly machines: readonly MachineRow[];
  /** Held-out published figures beside the predictions (nic workload only). */
  readonly checks: readonly CheckRow[];
  readonly sensitivity: readonly Sensitivity[];
  /** The assumed cost that moves the gain checked against seed 002 the most when halved or doubled. */
  readonly leastCertain: Sensitivity | null;
  /** What is predicted, what is checked, and what is not modelled. */
  readonly notes: readonly string[];
}

export function gainReport(run: GainRun): GainReport {
  const sensitivity = sensitivityOf(run, checkedGainPairs());
  const machines: MachineRow[] = run.machines.map((m) => ({
    id: m.machine.id, label: m.machine.label, cpu: m.machine.cpu, mode: m.machine.mode, device: m.machine.device,
    mbPerSec: m.bytesPerSec / 1e6, callsPerSec: m.callsPerSec, gain: m.gain, limitedBy: m.limitedBy,
    pathMBPerSec: m.pathBytesPerSec / 1e6, wireMBPerSec: m.wireBytesPerSec / 1e6, nsPerCall: m.nsPerCall,
    ladder: m.ladder.map((s) => ({ ...s, tier: COST_TIER[s.cost] })), answeredBy: m.answeredBy, costs: m.costs,
  }));
  const checks: CheckRow[] = checksOf(run).map((c) => ({ ...c.figure, predicted: c.predicted, miss: c.miss }));
  const least = leastCertainOf(sensitivity, run);
  const notes = [
    'Predicted: every MB/s, calls/s, gain and ladder figure, from costs set from published exit and entry measurements and stated assumptions (docs/modelled-time.md).',
    'Checked: only the held-out published figures, which no cost was set from. Both were measured with a NIC passed through with VFIO and are set beside the VFIO machines; seed 002 (2013) predates v2 containers and preregistration, so its in-kernel figure is compared with the v2 path, the closest modelled one.',
    'The VFIO host work (ioctls, pins, preregistered-memory lookups, hardware TCE writes) is priced from assumed costs: no published measurement of them was found.',
    'The guest\'s own time per buffer (driver and stack) is 0 unless the workload sets it: the hypercall-path figures are upper bounds.',
  ];
  return {
    format: GAIN_FORMAT, workload: run.options.workload, params: run.options.params, vcpus: run.options.vcpus,
    callsPerVcpu: run.options.calls, seed: run.options.seed, wire: run.wire, bufferBytes: run.bufferBytes,
    machines, checks, sensitivity, leastCertain: least, notes,
  };
}

/** The published gains as pairs of machines (seed 002's: the v2 path over QEMU with a v1 container). */
function checkedGainPairs(): GainPair[] {
  return PUBLISHED.flatMap((p) => (p.quantity === 'gain' && p.over !== undefined ? [{ id: `${p.machine}/${p.over}`, machine: p.machine, over: p.over }] : []));
}

/** The assumed cost that moves most the gain checked against seed 002 (else the first accelerated machine's). */
function leastCertainOf(rows: readonly Sensitivity[], run: GainRun): Sensitivity | null {
  const ids = new Set(rows.map((r) => r.machine));
  const checked = checkedGainPairs().find((p) => ids.has(p.id))?.id;
  const id = checked ?? run.machines.find((m) => m.machine.baseline !== null)?.machine.id;
  return id === undefined ? null : leastCertain(rows, id);
}

function fmtGain(g: number | null): string {
  return g === null ? '1 (base)' : `${g.toFixed(2)}x`;
}

/** The machine a figure checks, and for a gain the one it is over. */
export function checkMachine(c: CheckRow): string {
  return c.over === undefined ? c.machine : `${c.machine} over ${c.over}`;
}

export function fmtPublished(c: CheckRow): string {
  const unit = c.quantity === 'gain' ? 'x' : ` ${c.quantity}`;
  const n = (x: number): string => (c.quantity === 'gain' ? x.toFixed(1) : formatFigure(x));
  if (c.high === null) return `> ${n(c.low)}${unit}`;
  return c.low === c.high ? `${n(c.low)}${unit}` : `${n(c.low)}-${n(c.high)}${unit}`;
}

export function fmtPredicted(c: CheckRow): string {
  return c.quantity === 'gain' ? `${c.predicted.toFixed(2)}x` : `${formatFigure(c.predicted)} ${c.quantity}`;
}

export function fmtMiss(c: CheckRow): string {
  if (c.miss === 0) return 'within';
  const side = c.miss > 0 ? 'above' : 'below';
  return `${(Math.abs(c.miss) * 100).toFixed(0)}% ${side}`;
}

function linkName(mbps: number): string {
  return mbps % 1000 === 0 ? `${mbps / 1000} GbE` : `${mbps} Mbit/s Ethernet`;
}

function paramsText(p: WorkloadParams): string {
  const s = Object.entries(p).map(([k, v]) => `${k}=${v}`).join(',');
  return s === '' ? 'defaults' : s;
}

export function gainText(r: GainReport): string[] {
  const out: string[] = [];
  out.push(`tcesim gain: workload ${r.workload} (${paramsText(r.params)}), ${r.vcpus} vCPU${r.vcpus === 1 ? '' : 's'} x ${r.callsPerVcpu.toLocaleString('en-US')} calls, seed ${r.seed}; `
    + `${linkName(r.wire.linkMbps)}, MTU ${r.wire.mtu}, ${r.workload === 'nic' ? `${r.bufferBytes}-byte buffers` : 'mapped bytes carried in full frames'}`);
  out.push('');
  out.push('PREDICTED (modelled clock; the lesser of what the hypercall path and the wire allow)');
  out.push(textTable(
    ['machine', 'device', 'MB/s', 'calls/s', 'limited by', 'gain', 'ns/call', 'hcall path MB/s'],
    r.machines.map((m) => [m.label, m.device, formatFigure(m.mbPerSec), formatFigure(m.callsPerSec), m.limitedBy, fmtGain(m.gain),
      formatFigure(m.nsPerCall), formatFigure(m.pathMBPerSec)]),
    [1, 4],
  ));
  out.push(`gain: over the same processor without acceleration. Wire limit: ${formatFigure(r.machines[0]?.wireMBPerSec ?? 0)} MB/s of buffer bytes.`);
  out.push('');
  const used = (Object.keys(COST_TIER) as CostName[]).filter((k) => r.machines.some((m) => (m.ladder.find((s) => s.cost === k)?.nsPerCall ?? 0) > 0));
  out.push('COST LADDER (modelled ns per call, by tier and cost)');
  out.push(textTable(
    ['machine', ...used.map((k) => `${COST_TIER[k]}: ${k}`), 'total'],
    r.machines.map((m) => [m.label, ...used.map((k) => formatFigure(m.ladder.find((s) => s.cost === k)?.nsPerCall ?? 0)), formatFigure(m.nsPerCall)]),
  ));
  out.push('');
  if (r.checks.length > 0) {
    out.push('CHECKED against held-out published figures (no cost was set from them)');
    out.push(textTable(
      ['published figure', 'machine', 'published', 'predicted', 'miss'],
      r.checks.map((c) => [`${c.says} [${c.id}]`, checkMachine(c), fmtPublished(c), fmtPredicted(c), fmtMiss(c)]),
      [1],
    ));
    out.push('Sources: seed002-* = ' + (r.checks[0]?.source ?? '') + '; retire2022 = ' + (r.checks[3]?.source ?? '') + '.');
    out.push('');
  } else {
    out.push('CHECKED: nothing. The published figures measure NIC traffic; run the nic workload to see them.');
    out.push('');
  }
  if (r.leastCertain !== null) {
    const l = r.leastCertain;
    out.push(`LEAST CERTAIN: ${l.cost} (${COST_SOURCES[l.cost].what}; ${COST_SOURCES[l.cost].source}): `
      + `halved, the ${l.machine} gain is ${l.gainHalved.toFixed(2)}x; doubled, ${l.gainDoubled.toFixed(2)}x (now ${l.gain.toFixed(2)}x).`);
  }
  const top = [...r.sensitivity].filter((s) => s.machine === r.leastCertain?.machine).sort((a, b) => swing(b) - swing(a)).slice(0, 4);
  if (top.length > 0) {
    out.push('Costs that move that gain most (halved / doubled): '
      + top.map((s) => `${s.cost} ${s.gainHalved.toFixed(2)}x / ${s.gainDoubled.toFixed(2)}x (${COST_SOURCES[s.cost].kind})`).join('; '));
  }
  out.push('');
  for (const n of r.notes) out.push(`- ${n}`);
  return out;
}
