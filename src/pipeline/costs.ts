/**
 * The modelled clock's cost table: what each step of a hypercall would cost on the simulated
 * machine, in nanoseconds. Wall-clock hops between JavaScript threads cost ~100 us here, far from
 * real hardware's ratios, so reports carry this clock beside wall-clock, and it is exactly
 * reproducible for a seed.
 *
 * No per-hcall latencies for real vs virtual mode were published (see
 * ../shared/reference/kernel-qemu-semantics.md §7), so every default below is an ASSUMPTION.
 * Together with the NIC workload's guest time per page (src/workload/nic.ts) they are chosen
 * to reproduce the one measured figure: a 10Gb NIC behind VFIO went from 220 MB/s (every TCE
 * hcall in QEMU) to 750-1020 MB/s with in-kernel handling (seed 002, "KVM: PPC: Add support for
 * IOMMU in-kernel handling"). Override any of them with --cost NAME=NS or --costs FILE.json.
 */
import { TIER_REALMODE, TIER_USERSPACE, TIER_VIRTMODE } from '../papr/tiers.js';

export interface CostTable {
  /** Guest exit into the real-mode handler and back (MMU off, no full exit). */
  realmodeEntry: number;
  /** Guest exit to the host kernel with the MMU on (the virtual-mode hcall path). */
  virtmodeEntry: number;
  /** Exit from the kernel to userspace (QEMU) and back into the guest, on top of virtmodeEntry. */
  userspaceEntry: number;
  /** Per TCE validated and written, in each tier. */
  realmodePerEntry: number;
  virtmodePerEntry: number;
  userspacePerEntry: number;
  /** A kernel backing page of the TCE table allocated (virtual mode) or faulted in (QEMU). */
  pageAllocate: number;
  /** A hardware IOMMU entry written through (iommu_tce_xchg). */
  hwEntry: number;
}

export const COST_NAMES = [
  'realmodeEntry', 'virtmodeEntry', 'userspaceEntry', 'realmodePerEntry', 'virtmodePerEntry',
  'userspacePerEntry', 'pageAllocate', 'hwEntry',
] as const satisfies readonly (keyof CostTable)[];

export function defaultCosts(): CostTable {
  return {
    realmodeEntry: 200,
    virtmodeEntry: 1200,
    userspaceEntry: 6000,
    realmodePerEntry: 20,
    virtmodePerEntry: 40,
    userspacePerEntry: 150,
    pageAllocate: 1500,
    hwEntry: 60,
  };
}

export function isCostName(name: string): name is keyof CostTable {
  return (COST_NAMES as readonly string[]).includes(name);
}

/** Apply overrides, refusing unknown names and values that are not finite non-negative numbers. */
export function withCosts(base: CostTable, over: Readonly<Record<string, unknown>>, source: string): CostTable {
  const out = { ...base };
  for (const [name, value] of Object.entries(over)) {
    if (!isCostName(name)) throw new RangeError(`${source}: unknown cost ${JSON.stringify(name)} (known: ${COST_NAMES.join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`${source}: cost ${name} = ${JSON.stringify(value)} must be a non-negative number of nanoseconds`);
    }
    out[name] = value;
  }
  return out;
}

/** Three costs indexed by tier number. */
function byTier(realmode: number, virtmode: number, userspace: number): Float64Array {
  const a = new Float64Array(3);
  a[TIER_REALMODE] = realmode;
  a[TIER_VIRTMODE] = virtmode;
  a[TIER_USERSPACE] = userspace;
  return a;
}

/**
 * Counts one tier's work on one thread's tables and turns it into modelled nanoseconds.
 * Allocation-free: mark() before the tier, cost() after.
 */
export class TierMeter {
  private readonly entry: Float64Array;
  private readonly perEntry: Float64Array;
  private writes = 0;
  private hw = 0;
  private pages = 0;

  /** What a real-mode call of one entry and no page or hardware work costs (the fast path's calls). */
  readonly realmodeOneEntry: number;

  constructor(readonly costs: CostTable) {
    this.realmodeOneEntry = costs.realmodeEntry + costs.realmodePerEntry;
    this.entry = byTier(costs.realmodeEntry, costs.virtmodeEntry, costs.userspaceEntry);
    this.perEntry = byTier(costs.realmodePerEntry, costs.virtmodePerEntry, costs.userspacePerEntry);
  }

  mark(t: { statWrites: number; statHwWrites: number; statPages: number }): void {
    this.writes = t.statWrites;
    this.hw = t.statHwWrites;
    this.pages = t.statPages;
  }

  /** The tier's cost: its entry, at least one entry's work, pages and hardware entries. */
  cost(tier: number, t: { statWrites: number; statHwWrites: number; statPages: number }): number {
    const writes = t.statWrites - this.writes;
    return (this.entry[tier] as number)
      + (this.perEntry[tier] as number) * (writes > 1 ? writes : 1)
      + this.costs.hwEntry * (t.statHwWrites - this.hw)
      + this.costs.pageAllocate * (t.statPages - this.pages);
  }
}
