/**
 * The published figures held out to check the predictions. No cost default was set from them
 * (docs/modelled-time.md): they are only compared against. Both were measured with a NIC passed
 * through with VFIO, so they are set beside the VFIO machines: seed 002's baseline (2013, before
 * v2 containers existed) beside QEMU mapping through a v1 container, its in-kernel figure and the
 * 2022 figure beside the v2 machines (preregistered RAM, KVM link) — the closest modelled
 * in-kernel path for a passed-through device (2013's in-kernel path had no preregistration).
 */
import { wireBytesPerSec } from '../workload/nic-wire.js';
import { machineFigures, type GainRun } from './run-gain.js';

export interface PublishedFigure {
  readonly id: string;
  readonly source: string;
  /** What the source says, in its own units. */
  readonly says: string;
  /** The machine whose prediction it checks. */
  readonly machine: string;
  /** For a gain: the machine it is over. */
  readonly over?: string;
  readonly quantity: 'MB/s' | 'Mbit/s' | 'gain';
  readonly low: number;
  /** null: no upper bound ("above 800"). */
  readonly high: number | null;
  /** The link the figure was measured on, in Mbit/s. */
  readonly linkMbps: number;
}

const SEED_002 = '2013 "KVM: PPC: Add support for IOMMU in-kernel handling" (seed 002)';
const RETIRE_2022 = '2022 "KVM: PPC: Book3s: Retire H_PUT_TCE/etc real mode handlers"';

export const PUBLISHED: readonly PublishedFigure[] = [
  { id: 'seed002-none', source: SEED_002, says: '220 MB/s, every TCE hcall in QEMU, 10 GbE', machine: 'power8-none-vfio-v1', quantity: 'MB/s', low: 220, high: 220, linkMbps: 10_000 },
  { id: 'seed002-kvm', source: SEED_002, says: '750-1020 MB/s with in-kernel handling, 10 GbE', machine: 'power8-kvm-vfio-v2', quantity: 'MB/s', low: 750, high: 1020, linkMbps: 10_000 },
  { id: 'seed002-gain', source: SEED_002, says: 'gain 3.4-4.6x (750/220 to 1020/220)', machine: 'power8-kvm-vfio-v2', over: 'power8-none-vfio-v1', quantity: 'gain', low: 750 / 220, high: 1020 / 220, linkMbps: 10_000 },
  { id: 'retire2022', source: RETIRE_2022, says: 'above 800 Mbit/s on a 1 Gbit adapter, virtual mode only', machine: 'power9-kvm-vfio-v2', quantity: 'Mbit/s', low: 800, high: null, linkMbps: 1_000 },
];

export interface Check {
  readonly figure: PublishedFigure;
  readonly predicted: number;
  /** Signed relative miss: 0 inside the published range, else (predicted - nearest bound) / bound. */
  readonly miss: number;
}

export function missOf(predicted: number, low: number, high: number | null): number {
  if (predicted < low) return (predicted - low) / low;
  if (high !== null && predicted > high) return (predicted - high) / high;
  return 0;
}

/** A machine's bytes per second on the figure's link. */
function bytesOn(run: GainRun, id: string, linkMbps: number): number {
  const m = run.machines.find((x) => x.machine.id === id);
  if (m === undefined) return NaN;
  const wire = wireBytesPerSec({ ...run.wire, linkMbps }, run.bufferBytes);
  return machineFigures(m.vcpus, m.costs, wire).bytesPerSec;
}

/** The checks a run can make: only for the nic workload, whose traffic the figures measured. */
export function checksOf(run: GainRun): Check[] {
  if (run.options.workload !== 'nic') return [];
  const ran = new Set(run.machines.map((m) => m.machine.id));
  return PUBLISHED.filter((f) => ran.has(f.machine) && (f.over === undefined || ran.has(f.over))).map((figure) => {
    const mine = bytesOn(run, figure.machine, figure.linkMbps);
    let predicted: number;
    if (figure.quantity === 'gain') {
      const base = figure.over ?? run.machines.find((x) => x.machine.id === figure.machine)?.machine.baseline;
      predicted = base == null ? NaN : mine / bytesOn(run, base, figure.linkMbps);
    } else {
      predicted = figure.quantity === 'MB/s' ? mine / 1e6 : mine * 8 / 1e6;
    }
    return { figure, predicted, miss: missOf(predicted, figure.low, figure.high) };
  });
}
