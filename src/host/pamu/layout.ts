/**
 * A PAMU window plan written as data (aperture, count, what each window holds) and the builder
 * that replays it through the domain's own checks, so a plan that builds obeys every rule.
 * Runs in: host model only.
 */
import type { PamuErrno, PamuResult } from './errors.js';
import { IOMMU_READ, IOMMU_WRITE, PamuDomain, type MsiBank } from './pamu-domain.js';

export type PamuWindowPlan =
  /** Guest RAM: window `window` translates to [paddr, paddr + size). */
  | { readonly kind: 'ram'; readonly window: number; readonly paddr: bigint; readonly size: bigint }
  /** MSI bank `bank` (0-based index into msiBanks) mapped at the window's first iova. */
  | { readonly kind: 'msi'; readonly window: number; readonly bank: number };

export interface PamuLayout {
  readonly apertureStart: bigint;
  readonly apertureSize: bigint;
  readonly windowCount: number;
  readonly msiBanks: readonly MsiBank[];
  /** Windows not listed stay disabled. */
  readonly windows: readonly PamuWindowPlan[];
  /** Turn DMA on once everything is mapped (what VFIO MAP_DMA does after mapping). */
  readonly enable: boolean;
}

export type PamuBuild =
  | { readonly ok: true; readonly domain: PamuDomain }
  | { readonly ok: false; readonly errno: PamuErrno; readonly reason: string; readonly step: string };

/** Apply `layout` to a fresh domain; stops at the first refused step and names it. */
export function buildPamuDomain(layout: PamuLayout, maxWindows?: number): PamuBuild {
  const domain = new PamuDomain({ msiBanks: layout.msiBanks, maxWindows });
  const steps: [string, () => PamuResult][] = [
    ['geometry', () => domain.setGeometry(layout.apertureStart, layout.apertureSize)],
    ['window count', () => domain.setWindowCount(layout.windowCount)],
  ];
  for (const plan of layout.windows) {
    if (plan.kind === 'ram') {
      steps.push([`window ${plan.window} (ram)`, () => domain.windowEnable(plan.window, plan.paddr, plan.size, IOMMU_READ | IOMMU_WRITE)]);
    } else {
      // The window's iova is only known once the count is set, hence the deferred lookup.
      const iova = () => domain.windows()[plan.window]?.iova ?? -1n;
      steps.push([`window ${plan.window} (msi bank ${plan.bank})`, () => domain.mapMsiBank(plan.bank, iova(), IOMMU_READ | IOMMU_WRITE)]);
    }
  }
  if (layout.enable) steps.push(['enable', () => domain.setEnabled(true)]);
  for (const [step, run] of steps) {
    const result = run();
    if (!result.ok) return { ok: false, errno: result.errno, reason: result.reason, step };
  }
  return { ok: true, domain };
}
