/**
 * Seed 001 (the 2013 "RFC: vfio API changes needed for powerpc" mail): a 256 MB guest behind
 * PAMU with a 512 MB aperture in 8 windows of 64 MB. Windows 0-3 hold guest RAM (64 MB huge
 * pages), 4-6 the three 4 KB MSI banks, 7 is disabled.
 * Runs in: host model only.
 */
import type { PamuContainerLayout } from './container-layout.js';
import { buildPamuContainer } from './container-layout.js';
import { buildPamuDomain, type PamuLayout } from './layout.js';
import type { MsiBank, PamuDomain } from './pamu-domain.js';
import { renderPamuTable } from './table.js';
import type { VfioPamuContainer } from './vfio-pamu-container.js';

const MB = 1n << 20n;
const KB = 1n << 10n;

/** The seed's MSI bank register pages (bank 1, 2, 3 in the mail; index 0, 1, 2 here). */
export const SEED_001_MSI_BANKS: readonly MsiBank[] = [
  { paddr: 0xf_fe044000n, size: 4n * KB },
  { paddr: 0xf_fe045000n, size: 4n * KB },
  { paddr: 0xf_fe046000n, size: 4n * KB },
];

/**
 * The mail leaves RAM physical addresses as 0xX_XX000000. These are 64 MB aligned (one huge
 * page each) inside PAMU's 36-bit physical space, and deliberately out of order: huge pages
 * come from a pool and need not be contiguous, which per-window translation allows.
 */
const SEED_001_RAM_PHYS: readonly bigint[] = [0x1_00000000n, 0x1_0c000000n, 0x1_04000000n, 0x1_38000000n];

export const SEED_001_LAYOUT: PamuLayout = {
  apertureStart: 0n,
  apertureSize: 512n * MB,
  windowCount: 8,
  msiBanks: SEED_001_MSI_BANKS,
  windows: [
    ...SEED_001_RAM_PHYS.map((paddr, window) => ({ kind: 'ram' as const, window, paddr, size: 64n * MB })),
    ...SEED_001_MSI_BANKS.map((_, bank) => ({ kind: 'msi' as const, window: 4 + bank, bank })),
  ],
  enable: true,
};

/** Seed 001's domain, built through every domain check; throws if the layout were refused. */
export function buildSeed001(): PamuDomain {
  const built = buildPamuDomain(SEED_001_LAYOUT);
  if (!built.ok) throw new Error(`seed 001 layout refused at ${built.step}: ${built.errno} (${built.reason})`);
  return built.domain;
}

/** Seed 001's table as renderPamuTable prints it. */
export function renderSeed001(): string {
  return renderPamuTable(buildSeed001());
}

/**
 * The same domain as user space builds it through the VFIO container: one MAP_DMA per 64 MB
 * huge page of guest RAM (iova = guest physical), the three MSI banks into windows 4-6.
 */
export const SEED_001_CONTAINER_LAYOUT: PamuContainerLayout = {
  apertureStart: 0n,
  apertureSize: 512n * MB,
  windows: 8,
  msiBanks: SEED_001_MSI_BANKS,
  ram: SEED_001_RAM_PHYS.map((paddr, i) => ({ iova: BigInt(i) * 64n * MB, size: 64n * MB, paddr })),
  msi: SEED_001_MSI_BANKS.map((_, i) => ({ bank: i + 1, iova: 0x1000_0000n + BigInt(i) * 64n * MB })),
};

/** Seed 001 built through the container's ioctls; throws if any were refused. */
export function buildSeed001Container(): VfioPamuContainer {
  const built = buildPamuContainer(SEED_001_CONTAINER_LAYOUT);
  if (!built.ok) throw new Error(`seed 001 refused at ${built.step}: ${built.errno} (${built.reason})`);
  return built.container;
}
