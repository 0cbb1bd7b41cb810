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
  /** The gain's id: an accelerated machine (over its own baseline) or "A/B". */
  readonly machine: string;
  readonly gain: number;
  readonly gainHalved: number;
  readonly gainDoubled: number;
}

/** A gain: `machine` over `over`, named `id` (a machine's id for its own baseline, else "A/B"). */
export interface GainPair {
  readonly id: string;
  readonly machine: string;
  readonly over: string;
}

/** Each accelerated machine over its own baseline, and any further pairs asked for. */
function gainPairs(run: GainRun, extra: readonly GainPair[] = []): GainPair[] {
  const ran = new Set(run.machines.map((m) => m.machine.id));
  const own = run.machines.flatMap((m) => (m.machine.baseline === null ? [] : [{ id: m.machine.id, machine: m.machine.id, over: m.machine.baseline }]));
  return [...own, ...extra.filter((p) => ran.has(p.machine) && ran.has(p.over))];
}

function gainsUnder(run: GainRun, pairs: readonly GainPair[], scale: (c: CostTable) => CostTable): Map<string, number> {
  const wire = wireBytesPerSec(run.wire, run.bufferBytes);
  const bytes = new Map(run.machines.map((m) => [m.machine.id, machineFigures(m.vcpus, scale(m.costs), wire).bytesPerSec]));
  const out = new Map<string, number>();
  for (const p of pairs) {
    const base = bytes.get(p.over);
    if (base !== undefined && base > 0) out.set(p.id, (bytes.get(p.machine) as number) / base);
  }
  return out;
}

export function sensitivityOf(run: GainRun, extra: readonly GainPair[] = []): Sensitivity[] {
  const pairs = gainPairs(run, extra);
  const base = gainsUnder(run, pairs, (c) => c);
  const rows: Sensitivity[] = [];
  for (const k of COST_NAMES) {
    const half = gainsUnder(run, pairs, (c) => ({ ...c, [k]: c[k] / 2 }));
    const dbl = gainsUnder(run, pairs, (c) => ({ ...c, [k]: c[k] * 2 }));
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
