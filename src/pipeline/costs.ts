/**
 * The modelled clock's cost table: what each step of a hypercall would cost on the simulated
 * machine, in nanoseconds. Wall-clock hops between JavaScript threads cost ~100 us here, far from
 * real hardware's ratios, so reports carry this clock beside wall-clock, and it is exactly
 * reproducible for a seed.
 *
 * Each default comes from a published measurement, or is marked an ASSUMPTION; the source, the
 * arithmetic and, for assumptions, how much the gain moves when the cost doubles or halves are
 * in docs/modelled-time.md. None is chosen to reproduce a published throughput: those figures
 * (seed 002's 220 -> 750-1020 MB/s, the 2022 retirement patch's > 800 Mbit/s) are held out and
 * only compared against by `tcesim gain`. Override any cost with --cost NAME=NS or --costs FILE.
 */
import { TIER_REALMODE, TIER_USERSPACE, TIER_VIRTMODE } from '../papr/tiers.js';

export interface CostTable {
  /** Guest exit into the real-mode handler and back (MMU off, no partition switch). */
  realmodeEntry: number;
  /** Guest exit to the host kernel with the MMU on (the virtual-mode hcall path) and back. */
  virtmodeEntry: number;
  /** Exit from the kernel to userspace (KVM_RUN returns to QEMU) and back, on top of virtmodeEntry. */
  userspaceEntry: number;
  /** QEMU's dispatch of a KVM_EXIT_PAPR_HCALL to its handler (big lock, hcall table), per call. */
  qemuDispatch: number;
  /** Per TCE validated and written, in each tier. */
  realmodePerEntry: number;
  virtmodePerEntry: number;
  userspacePerEntry: number;
  /** A kernel backing page of the TCE table allocated (virtual mode) or faulted in (QEMU). */
  pageAllocate: number;
  /** A hardware IOMMU entry written through (iommu_tce_xchg) with its TCE cache invalidation. */
  hwEntry: number;
  /**
   * The passed-through path's host work, which the pipeline's clock does not count: `tcesim gain`
   * prices it from the run's host counts (src/gain/run-gain.ts). A VFIO MAP_DMA or UNMAP_DMA
   * ioctl QEMU makes; a page pinned or unpinned for it (v1 containers pin per map); a lookup
   * of preregistered memory by KVM for each hardware entry it writes (v2).
   */
  vfioIoctl: number;
  pinPage: number;
  preregLookup: number;
}

export const COST_NAMES = [
  'realmodeEntry', 'virtmodeEntry', 'userspaceEntry', 'qemuDispatch', 'realmodePerEntry', 'virtmodePerEntry',
  'userspacePerEntry', 'pageAllocate', 'hwEntry', 'vfioIoctl', 'pinPage', 'preregLookup',
] as const satisfies readonly (keyof CostTable)[];

/** The costs the pipeline's modelled clock pays itself (the rest are priced from host counts). */
export const PIPELINE_COST_NAMES = COST_NAMES.filter((n) => n !== 'vfioIoctl' && n !== 'pinPage' && n !== 'preregLookup');

export type CostName = typeof COST_NAMES[number];

/** The processors a cost table describes (docs/modelled-time.md, "Defaults"). */
export const CPUS = ['power8', 'power9'] as const;
export type Cpu = typeof CPUS[number];

/** POWER8 cycles to nanoseconds at an assumed 3.5 GHz (POWER8 parts ship at 2.5-5 GHz). */
const POWER8_GHZ = 3.5;

/**
 * POWER8 (the tcesim run default). realmodeEntry: "sc 1" from guest userspace, 826 cycles
 * (commit "powerpc/64s: Optimize hypercall/syscall entry") = 236 ns. virtmodeEntry: average
 * rm_exit 4244.1 ns + rm_entry 3060.1 ns on POWER8 (commit "KVM: PPC: Book3S HV: Use msgsnd for
 * signalling threads on POWER8") = 7304 ns. userspaceEntry: vcpu_run exit 50 ns + entry 223 ns
 * (averages in commit "KVM: PPC: Book3S HV: Provide more detailed timings for P9 entry path")
 * + one syscall return and entry, getppid's 320 POWER8 cycles = 91 ns: 364 ns.
 * vfioIoctl: a syscall round trip, getppid's 91 ns, plus 400 ns of VFIO work (ASSUMPTION).
 * qemuDispatch, the per-entry costs, pageAllocate, hwEntry, pinPage and preregLookup are ASSUMPTIONS.
 */
export function power8Costs(): CostTable {
  return {
    realmodeEntry: Math.round(826 / POWER8_GHZ),
    virtmodeEntry: Math.round(4244.1 + 3060.1),
    userspaceEntry: 50 + 223 + Math.round(320 / POWER8_GHZ),
    qemuDispatch: 500,
    realmodePerEntry: 20,
    virtmodePerEntry: 40,
    userspacePerEntry: 150,
    pageAllocate: 1500,
    hwEntry: 60,
    vfioIoctl: 91 + 400,
    pinPage: 200,
    preregLookup: 50,
  };
}

/**
 * POWER9 and later: hcalls trap straight to the host kernel with the MMU on, so there is no
 * real-mode tier (realmodeEntry is never paid: these machines run mode virtmode).
 * virtmodeEntry: guest_entry average 942 ns (49,365,608 ns / 52,414) + guest_exit minimum 826 ns
 * (its average counts time blocked in the host) from commit "KVM: PPC: Book3S HV: Provide more
 * detailed timings for P9 entry path" = 1768 ns. The rest as POWER8.
 */
function power9Costs(): CostTable {
  return { ...power8Costs(), virtmodeEntry: 942 + 826 };
}

export function costsFor(cpu: Cpu): CostTable {
  return cpu === 'power8' ? power8Costs() : power9Costs();
}

/** The default table: POWER8's, the one processor with all three tiers. */
export function defaultCosts(): CostTable {
  return power8Costs();
}

function isCostName(name: string): name is keyof CostTable {
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
    // QEMU's dispatch is paid by every call answered in userspace, like its exit.
    this.entry = byTier(costs.realmodeEntry, costs.virtmodeEntry, costs.userspaceEntry + costs.qemuDispatch);
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
