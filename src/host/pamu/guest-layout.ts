/**
 * The PAMU layout for a whole guest, as a VMM would lay it out for a passed-through device:
 * guest RAM backed by 64 MB huge pages (seed 001's choice) mapped window by window at
 * iova = guest physical address, the host's MSI banks in the windows right after RAM, the
 * aperture the smallest power of two that holds both. Used by `tcesim pamu --workload`.
 * Runs in: host model only.
 */
import type { PamuContainerLayout } from './container-layout.js';
import { PAMU_DEFAULT_MAX_WINDOWS } from './pamu-domain.js';
import { SEED_001_MSI_BANKS } from './seed-001.js';

/** Seed 001's huge page, and so its window. */
const GUEST_HUGE_PAGE = 64n << 20n;
/** Where the host's huge-page pool starts (4 GB, as the seed's 0x1_XX000000 pages suggest). */
const HUGE_POOL_BASE = 0x1_0000_0000n;

/**
 * Huge page i of the guest comes from pool slot (5 * i) mod n with n a power of two: a fixed
 * scattering (5 is odd, so it is a permutation) standing for a pool handing out pages in no
 * particular order, which per-window translation allows.
 */
function poolSlot(i: number, n: number): number {
  return (5 * i) % n;
}

export function guestPamuLayout(ramBytes: bigint): PamuContainerLayout {
  if (ramBytes <= 0n || ramBytes % GUEST_HUGE_PAGE !== 0n) {
    throw new RangeError(`guest RAM ${ramBytes} bytes is not a whole number of 64 MB huge pages`);
  }
  const ramWindows = Number(ramBytes / GUEST_HUGE_PAGE);
  const banks = SEED_001_MSI_BANKS;
  let windows = 1;
  while (windows < ramWindows + banks.length) windows *= 2;
  if (windows > PAMU_DEFAULT_MAX_WINDOWS) {
    throw new RangeError(`guest RAM ${ramBytes} bytes needs ${windows} windows of 64 MB, above PAMU's ${PAMU_DEFAULT_MAX_WINDOWS}`);
  }
  let pool = 1;
  while (pool < ramWindows) pool *= 2;
  return {
    apertureStart: 0n,
    apertureSize: BigInt(windows) * GUEST_HUGE_PAGE,
    windows,
    msiBanks: banks,
    ram: Array.from({ length: ramWindows }, (_, i) => ({
      iova: BigInt(i) * GUEST_HUGE_PAGE, size: GUEST_HUGE_PAGE, paddr: HUGE_POOL_BASE + BigInt(poolSlot(i, pool)) * GUEST_HUGE_PAGE,
    })),
    msi: banks.map((_, b) => ({ bank: b + 1, iova: BigInt(ramWindows + b) * GUEST_HUGE_PAGE })),
  };
}
