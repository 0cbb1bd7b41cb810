/**
 * PAMU beside `tcesim gain`'s machines: the same workload's traffic on a PAMU-backed, passed-
 * through device (seed 001's design, the RFC's VFIO "type 2"). Guest RAM is mapped whole, once,
 * at setup, so the device reaches every buffer with no map hypercall per packet: the machine's
 * path is the guest's own time alone, and it sustains the lesser of that and the wire, like the
 * gain machines (src/gain/throughput.ts). What it pays instead is shown beside: the setup on the
 * modelled clock (setup-cost.ts) and the guest RAM it pins for the guest's lifetime, and after
 * how much of this traffic each gain machine's hypercall time has cost as much as that setup.
 * Runs in: host model only.
 */
import { clockUnder, type GainRun } from '../../gain/run-gain.js';
import { throughputOf, type Throughput } from '../../gain/throughput.js';
import type { CostTable } from '../../pipeline/costs.js';
import { buildPamuContainer } from './container-layout.js';
import { guestPamuLayout } from './guest-layout.js';
import { pamuSetupCost, type PamuSetupCost } from './setup-cost.js';

/** The workloads of a passed-through device, where PAMU's up-front mapping applies. */
export const PAMU_GAIN_WORKLOADS: readonly string[] = ['nic', 'storage'];

export interface PamuPayback {
  readonly machineId: string;
  /** The gain machine's device (emulated, vfio-v1, vfio-v2). */
  readonly device: string;
  readonly label: string;
  /** Payload bytes of this traffic whose hypercall time on that machine equals PAMU's setup. */
  readonly bytes: number;
}

export interface PamuBeside extends Throughput {
  readonly label: string;
  readonly setup: PamuSetupCost;
  readonly pinnedBytes: number;
  readonly dmaWindows: number;
  readonly windowBytes: number;
  readonly lockedBytes: number;
  readonly ramBytes: number;
  /** Map and unmap hypercalls per buffer: none, the point of the design. */
  readonly hypercalls: 0;
  readonly payback: readonly PamuPayback[];
}

/**
 * `costs` prices the setup (PAMU's e500 has no table of its own: the caller says which).
 * Throws if the run measured no machine, which runGain never does.
 */
export function pamuBesideGain(run: GainRun, costs: CostTable, ramBytes: bigint): PamuBeside {
  const first = run.machines[0];
  if (first === undefined) throw new Error('a gain run without machines');
  const built = buildPamuContainer(guestPamuLayout(ramBytes));
  if (!built.ok) throw new Error(`the guest's PAMU layout was refused at ${built.step}: ${built.reason} (${built.errno})`);
  const c = built.container;
  const setup = pamuSetupCost(c, costs);
  const dma = c.dmaWindows();
  const pinnedBytes = Number(dma.reduce((n, w) => n + w.size, 0n));
  const lockedBytes = c.host.lockedBytes;
  const windowBytes = Number(c.domain.subWindowSize ?? 0n);
  c.release();
  // The guest's own time and the payload are the workload's, the same on every machine.
  const t = throughputOf(first.vcpus.map((v) => ({ clockNs: v.guestNs, payloadBytes: v.payloadBytes })), first.wireBytesPerSec);
  const payback = run.machines.map((m) => {
    const hcallNs = m.vcpus.reduce((n, v) => n + clockUnder(v, m.costs) - v.guestNs, 0);
    const payload = m.vcpus.reduce((n, v) => n + v.payloadBytes, 0);
    return { machineId: m.machine.id, device: m.machine.device, label: m.machine.label, bytes: hcallNs > 0 ? setup.totalNs / (hcallNs / payload) : Infinity };
  });
  return {
    ...t, label: 'PAMU (e500, VFIO type 2): guest RAM mapped once at setup', setup, pinnedBytes, dmaWindows: dma.length,
    windowBytes, lockedBytes, ramBytes: Number(ramBytes), hypercalls: 0, payback,
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function mb(bytesPerSec: number): string {
  return Number.isFinite(bytesPerSec) ? fmt(bytesPerSec / 1e6, bytesPerSec < 1e9 ? 1 : 0) : 'unbounded';
}

function size(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'never';
  return bytes >= 2 ** 30 ? `${fmt(bytes / 2 ** 30, 1)} GB` : `${fmt(bytes / 2 ** 20, 1)} MB`;
}

/** The section `tcesim gain` prints after its machines. */
export function pamuBesideText(p: PamuBeside, workload: string, costsLabel: string): string[] {
  const head = ['machine', 'device', 'MB/s', 'hypercalls per buffer', 'limited by', 'path MB/s'];
  const row = [p.label, 'passed-through', mb(p.bytesPerSec), '0', p.limitedBy === 'wire' ? 'wire' : 'guest time', mb(p.pathBytesPerSec)];
  const widths = head.map((h, i) => Math.max(h.length, (row[i] as string).length));
  const line = (cells: readonly string[]): string => cells.map((x, i) => (i < 2 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join('  ');
  const s = p.setup;
  return [
    '',
    `BESIDE: the same ${workload} traffic on a PAMU-backed device (seed 001; tcesim pamu, docs/pamu.md)`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    line(row),
    `setup, once per guest before the first packet: ${fmt(s.totalNs / 1e6, 3)} ms (modelled, ${costsLabel}): ${s.ioctls} ioctls, ${fmt(s.pinnedPages)} pages pinned, ${s.windowsEnabled} windows enabled`,
    `pinned for the guest's lifetime: ${size(p.pinnedBytes)} (all of the guest's ${size(p.ramBytes)} RAM) in ${p.dmaWindows} windows of ${size(p.windowBytes)}; locked memory ${size(p.lockedBytes)}`,
    'setup paid back after this much of the traffic (when its mapping time on each machine, hypercalls and the ioctls and pins they cause, equals the setup):',
    ...[...new Set(p.payback.map((x) => x.device))].map((d) => `  ${d}: ${p.payback.filter((x) => x.device === d).map((x) => `${x.machineId} ${size(x.bytes)}`).join(', ')}`),
    'PAMU\'s device is passed through, as on the VFIO machines; its path is the guest\'s own time only (no map hypercall per packet).',
    'A VFIO v2 container preregisters (pins) guest RAM up front too, but still maps every buffer with a hypercall.',
  ];
}
