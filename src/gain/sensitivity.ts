/**
 * How much each machine's gain moves when one cost is halved or doubled (on every processor),
 * computed exactly from the run's cost counts (src/gain/run-gain.ts), not re-estimated.
 */
import { COST_NAMES, type CostName, type CostTable } from '../pipeline/costs.js';
import { wireBytesPerSec } from '../workload/nic-wire.js';
import { COST_SOURCES } from './cost-sources.js';
import { machineFigures, type GainRun } from './run-gain.js';

export interface Sensitivity {
  readonly cost: CostName;
  readonly machine: string;
  readonly gain: number;
  readonly gainHalved: number;
  readonly gainDoubled: number;
}

function gainsUnder(run: GainRun, scale: (c: CostTable) => CostTable): Map<string, number> {
  const wire = wireBytesPerSec(run.wire, run.bufferBytes);
  const bytes = new Map(run.machines.map((m) => [m.machine.id, machineFigures(m.vcpus, scale(m.costs), wire).bytesPerSec]));
  const out = new Map<string, number>();
  for (const m of run.machines) {
    if (m.machine.baseline === null) continue;
    const base = bytes.get(m.machine.baseline);
    if (base !== undefined && base > 0) out.set(m.machine.id, (bytes.get(m.machine.id) as number) / base);
  }
  return out;
}

export function sensitivityOf(run: GainRun): Sensitivity[] {
  const base = gainsUnder(run, (c) => c);
  const rows: Sensitivity[] = [];
  for (const k of COST_NAMES) {
    const half = gainsUnder(run, (c) => ({ ...c, [k]: c[k] / 2 }));
    const dbl = gainsUnder(run, (c) => ({ ...c, [k]: c[k] * 2 }));
    for (const [id, gain] of base) {
      rows.push({ cost: k, machine: id, gain, gainHalved: half.get(id) as number, gainDoubled: dbl.get(id) as number });
    }
  }
  return rows;
}

/** The largest relative move of a row's gain, halved or doubled. */
export function swing(s: Sensitivity): number {
  return Math.max(Math.abs(s.gainHalved / s.gain - 1), Math.abs(s.gainDoubled / s.gain - 1));
}

/** The assumed cost (no published measurement) that moves `machine`'s gain the most. */
export function leastCertain(rows: readonly Sensitivity[], machine: string): Sensitivity | null {
  let best: Sensitivity | null = null;
  for (const r of rows) {
    if (r.machine !== machine || COST_SOURCES[r.cost].kind !== 'assumption') continue;
    if (best === null || swing(r) > swing(best)) best = r;
  }
  return best;
}
