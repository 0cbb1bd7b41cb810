/**
 * The two IOMMU designs side by side for one workload: the same traffic (same workload, seed,
 * vCPUs and calls) run once through the sPAPR TCE pipeline (every buffer mapped and unmapped by
 * a hypercall) and once on a PAMU-backed device, where guest RAM was mapped whole at setup and
 * the device reaches every buffer with no hypercall. The guest's own time per call (the
 * workload's driver work, which the TCE run already separates from hypercall time) is kept on
 * both sides; PAMU drops the hypercall time and pays its setup instead.
 * Runs in: host model only (runs the pipeline inline on the calling thread).
 */
import type { CostTable } from '../../pipeline/costs.js';
import { defaultMachineConfig } from '../../pipeline/machine-config.js';
import { runInline } from '../../pipeline/inline-run.js';
import type { Mode } from '../../papr/tiers.js';
import { defaultRunOptions } from '../../pipeline/run-options.js';
import type { WorkloadParams } from '../../workload/workload.js';
import { buildPamuContainer, type PamuContainerLayout } from './container-layout.js';
import { pamuSetupCost, type PamuSetupCost } from './setup-cost.js';
import type { VfioPamuContainer } from './vfio-pamu-container.js';

export interface SideBySideOptions {
  readonly workload: string;
  readonly params: WorkloadParams;
  readonly mode: Mode;
  readonly vcpus: number;
  /** Calls per vCPU on the TCE side. */
  readonly calls: number;
  readonly seed: number;
  readonly costs: CostTable;
  /** The PAMU domain; by default guestPamuLayout of the machine's RAM. */
  readonly layout: PamuContainerLayout;
}

export interface DesignFigures {
  /** Hypercalls made to map and unmap buffers. */
  readonly hcalls: number;
  /** Modelled ns in those hypercalls, all vCPUs. */
  readonly hcallNs: number;
  /** Modelled ns of the slowest vCPU (the run's length). */
  readonly modelledNs: number;
  readonly bytes: number;
  readonly mbPerSec: number;
}

export interface SideBySide {
  readonly ramBytes: bigint;
  readonly tce: DesignFigures;
  readonly pamu: DesignFigures;
  readonly setup: PamuSetupCost;
  readonly container: VfioPamuContainer;
  /** Guest RAM pages (4 KiB) that DMA windows translate (MSI windows do not count), of all of them. */
  readonly reachablePages: number;
  readonly ramPages: number;
}

export type SideBySideResult =
  | ({ readonly ok: true } & SideBySide)
  | { readonly ok: false; readonly reason: string };

const PAGE = 0x1000n;

/** Infinity when bytes moved in no modelled time (nic has no guest time unless `guest=NS`). */
function mbPerSec(bytes: number, ns: number): number {
  if (ns <= 0) return bytes > 0 ? Infinity : 0;
  return (bytes / ns) * 1000;
}

export function runSideBySide(o: SideBySideOptions): SideBySideResult {
  const built = buildPamuContainer(o.layout);
  if (!built.ok) return { ok: false, reason: `refused by ${built.step}: ${built.reason} (${built.errno})` };
  const container = built.container;
  const setup = pamuSetupCost(container, o.costs);
  const ramBytes = defaultMachineConfig().ramBytes;
  const ramPages = Number(ramBytes / PAGE);
  let reachablePages = 0;
  for (let p = 0n; p < ramBytes; p += PAGE) {
    // A guest RAM address that lands in an MSI window reaches the bank's registers, not RAM.
    const nr = container.domain.windowIndexOf(p);
    if (nr !== undefined && container.dmaWindow(nr) !== undefined && container.domain.iovaToPhys(p) !== undefined) reachablePages++;
  }
  const run = runInline({
    ...defaultRunOptions(), mode: o.mode, workload: o.workload, workloadParams: o.params, vcpus: o.vcpus,
    calls: o.calls, seed: o.seed, costs: o.costs, keepRecords: false, log: null,
  });
  const bytes = run.vcpus.reduce((n, v) => n + v.mappedBytes, 0);
  const hcallNs = run.vcpus.reduce((n, v) => n + v.hcallNs, 0);
  const tceNs = Math.max(0, ...run.vcpus.map((v) => v.clockNs));
  // PAMU: the same guest work between calls, with no hypercall at all.
  const pamuNs = Math.max(0, ...run.vcpus.map((v) => v.clockNs - v.hcallNs));
  return {
    ok: true, ramBytes, setup, container, reachablePages, ramPages,
    tce: { hcalls: run.stats.completed, hcallNs, modelledNs: tceNs, bytes, mbPerSec: mbPerSec(bytes, tceNs) },
    pamu: { hcalls: 0, hcallNs: 0, modelledNs: pamuNs, bytes, mbPerSec: mbPerSec(bytes, pamuNs) },
  };
}
