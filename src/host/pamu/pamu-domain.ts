/**
 * A Freescale PAMU DMA domain: one power-of-two aperture cut into a power-of-two number of
 * equal windows, each either invalid or translating to one naturally aligned physical region.
 * Facts from the pre-2021 kernel driver (fsl_pamu_domain.c, multi-window) and the 2013 VFIO
 * RFC driver; see SPEC §7 and kernel-qemu-semantics §6. Check order follows the kernel so
 * that a request breaking two rules gets the same errno it would there.
 * Runs in: host model only. Addresses are bigint: this is configuration, not the hot path.
 */
import { fail, hex, OK, type PamuResult } from './errors.js';

/** PAMU's page: the smallest aperture, sub-window and mapping. */
const PAMU_PAGE_SIZE = 0x1000n;
/** Window-count ceiling in the VFIO design (hardware reports 2^(1 + PC3 field)). */
export const PAMU_DEFAULT_MAX_WINDOWS = 256;
/** Device may read (PAMU "query" permission). */
export const IOMMU_READ = 1;
/** Device may write (PAMU "update" permission). */
export const IOMMU_WRITE = 2;

const PROT_MASK = IOMMU_READ | IOMMU_WRITE;
/** dma_addr_t / phys_addr_t are 64-bit: nothing may end past 2^64. */
const ADDRESS_LIMIT = 1n << 64n;

/** An MSI bank's register page, as the MSI driver reports it. */
export interface MsiBank {
  readonly paddr: bigint;
  readonly size: bigint;
}

export interface PamuGeometry {
  readonly start: bigint;
  readonly size: bigint;
}

export interface PamuMapping {
  readonly paddr: bigint;
  readonly size: bigint;
  /** IOMMU_READ | IOMMU_WRITE bits. */
  readonly prot: number;
  /** Present when the window holds an MSI bank: which one, and the iova it was mapped by. */
  readonly msi?: { readonly bank: number; readonly iova: bigint };
}

export interface PamuWindow {
  readonly index: number;
  /** First iova of the window. */
  readonly iova: bigint;
  /** The sub-window size (aperture / count); the mapping may be smaller. */
  readonly size: bigint;
  readonly mapping: PamuMapping | undefined;
}

export interface PamuDomainOptions {
  /** Hardware window-count maximum, a power of two; default 256. */
  readonly maxWindows?: number;
  /** MSI banks the host's MSI driver exposes; index = bank index of map_msi_bank. */
  readonly msiBanks?: readonly MsiBank[];
}

function isPowerOfTwo(value: bigint): boolean {
  return value > 0n && (value & (value - 1n)) === 0n;
}

/** EINVAL unless `size` is a power of two ≥ 4 KiB and `paddr` is aligned to it. */
function checkMappingShape(paddr: bigint, size: bigint): PamuResult {
  if (size < PAMU_PAGE_SIZE || !isPowerOfTwo(size)) {
    return fail('EINVAL', `mapping size ${hex(size)} is not a power of two >= 4 KiB`);
  }
  if (paddr < 0n || paddr % size !== 0n) {
    return fail('EINVAL', `physical address ${hex(paddr)} is not aligned to the mapping size ${hex(size)}`);
  }
  if (paddr + size > ADDRESS_LIMIT) return fail('EINVAL', `mapping at ${hex(paddr)} ends past 2^64`);
  return OK;
}

export class PamuDomain {
  readonly maxWindows: number;
  readonly msiBanks: readonly MsiBank[];
  /** Undefined until set: the kernel's default 64 GiB aperture has geometry size 0 ("unset"). */
  #geometry: PamuGeometry | undefined;
  /** Like the kernel, a new domain reports the hardware maximum before any count is set. */
  #count: number;
  /** One slot per window; undefined = windows not configured (the kernel's NULL win_arr). */
  #slots: (PamuMapping | undefined)[] | undefined;
  #enabled = false;

  constructor(options: PamuDomainOptions = {}) {
    const max = options.maxWindows ?? PAMU_DEFAULT_MAX_WINDOWS;
    // A bad maximum is a bug in the caller's machine description, not an ioctl answer.
    if (!Number.isSafeInteger(max) || !isPowerOfTwo(BigInt(max))) {
      throw new RangeError(`maxWindows ${max} is not a power of two >= 1`);
    }
    this.maxWindows = max;
    this.msiBanks = options.msiBanks ?? [];
    this.#count = max;
  }

  get geometry(): PamuGeometry | undefined {
    return this.#geometry;
  }

  get windowCount(): number {
    return this.#count;
  }

  get windowsConfigured(): boolean {
    return this.#slots !== undefined;
  }

  /** aperture / count, once both are set. */
  get subWindowSize(): bigint | undefined {
    return this.#geometry && this.#slots ? this.#geometry.size / BigInt(this.#count) : undefined;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Number of valid windows (the kernel's `mapped`). */
  get mappedCount(): number {
    return this.#slots?.filter((m) => m !== undefined).length ?? 0;
  }

  /** DOMAIN_ATTR_GEOMETRY with aperture [start, start + size). */
  setGeometry(start: bigint, size: bigint): PamuResult {
    if (size < PAMU_PAGE_SIZE || !isPowerOfTwo(size)) {
      return fail('EINVAL', `aperture size ${hex(size)} is not a power of two >= 4 KiB`);
    }
    if (start < 0n || start % size !== 0n) {
      return fail('EINVAL', `aperture start ${hex(start)} is not aligned to the aperture size ${hex(size)}`);
    }
    if (start + size > ADDRESS_LIMIT) return fail('EINVAL', `aperture at ${hex(start)} ends past 2^64`);
    if (this.#enabled) return fail('EBUSY', 'domain is enabled: disable it before changing the geometry');
    this.#geometry = { start, size };
    // The kernel keeps its window array here, whose mappings may no longer fit the new
    // sub-windows; the model drops it so the window count must be set again.
    this.#slots = undefined;
    return OK;
  }

  /** DOMAIN_ATTR_WINDOWS. Every window starts invalid. */
  setWindowCount(count: number): PamuResult {
    if (this.#enabled) return fail('EBUSY', 'domain is enabled: disable it before changing the window count');
    const geometry = this.#geometry;
    if (!geometry) return fail('EINVAL', `window count ${count} given before the geometry`);
    if (!Number.isSafeInteger(count) || !isPowerOfTwo(BigInt(count))) {
      return fail('EINVAL', `window count ${count} is not a power of two`);
    }
    if (count > this.maxWindows) {
      return fail('EINVAL', `window count ${count} is above the hardware maximum ${this.maxWindows}`);
    }
    const sub = geometry.size / BigInt(count);
    // The hardware sub-window entry cannot describe less than a page.
    if (sub < PAMU_PAGE_SIZE) {
      return fail('EINVAL', `window count ${count} gives sub-windows of ${hex(sub)}, below 4 KiB`);
    }
    this.#count = count;
    this.#slots = new Array<PamuMapping | undefined>(count).fill(undefined);
    return OK;
  }

  /** iommu_domain_window_enable: make window `nr` translate to [paddr, paddr + size). */
  windowEnable(nr: number, paddr: bigint, size: bigint, prot: number): PamuResult {
    return this.#enable(nr, { paddr, size, prot: prot & PROT_MASK });
  }

  /**
   * iommu_domain_window_disable. The kernel returns nothing and silently ignores an
   * unconfigured domain or a bad index; the model reports those (ENODEV / EINVAL) so a caller
   * can see its mistake. Disabling an invalid window is a no-op, as in the kernel.
   */
  windowDisable(nr: number): PamuResult {
    const slots = this.#slots;
    if (!slots) return fail('ENODEV', 'windows not configured: set the window count first');
    if (!this.#isWindowIndex(nr)) return fail('EINVAL', `window ${nr} is not below the window count ${this.#count}`);
    if (slots[nr] === undefined) return OK;
    slots[nr] = undefined;
    // A single-window domain has only the primary entry: invalidating it turns DMA off.
    if (this.#count === 1) this.#enabled = false;
    return OK;
  }

  /** DOMAIN_ATTR_FSL_PAMU_ENABLE. */
  setEnabled(enable: boolean): PamuResult {
    if (enable && this.mappedCount === 0) return fail('ENODEV', 'no valid window: map one before enabling');
    this.#enabled = enable;
    return OK;
  }

  /**
   * iommu_iova_to_phys, undefined where the kernel answers 0. Like the kernel it ignores
   * whether DMA is enabled: it reads the table. An offset past a smaller mapping is undefined
   * here; the kernel masks it with (size - 1) and so would alias the mapping.
   */
  iovaToPhys(iova: bigint): bigint | undefined {
    const nr = this.windowIndexOf(iova);
    const sub = this.subWindowSize;
    const geometry = this.#geometry;
    if (nr === undefined || sub === undefined || geometry === undefined) return undefined;
    const mapping = this.#slots?.[nr];
    if (!mapping) return undefined;
    const offset = (iova - geometry.start) % sub;
    return offset < mapping.size ? mapping.paddr + offset : undefined;
  }

  /** Index of the window holding `iova`, or undefined outside the aperture / unconfigured. */
  windowIndexOf(iova: bigint): number | undefined {
    const geometry = this.#geometry;
    const sub = this.subWindowSize;
    if (!geometry || sub === undefined) return undefined;
    if (iova < geometry.start || iova >= geometry.start + geometry.size) return undefined;
    return Number((iova - geometry.start) / sub);
  }

  /** Every window in order; empty while windows are not configured. */
  windows(): PamuWindow[] {
    const geometry = this.#geometry;
    const sub = this.subWindowSize;
    if (!geometry || sub === undefined || !this.#slots) return [];
    return this.#slots.map((mapping, index) => ({ index, iova: geometry.start + BigInt(index) * sub, size: sub, mapping }));
  }

  /**
   * VFIO_IOMMU_PAMU_MAP_MSI_BANK: map bank `bankIndex` (0-based) into the whole window that
   * contains `iova`. The window is then used up, however small the bank.
   */
  mapMsiBank(bankIndex: number, iova: bigint, prot: number): PamuResult {
    if ((prot & PROT_MASK) === 0) return fail('EINVAL', `MSI mapping prot ${prot} has neither READ nor WRITE`);
    const bank = Number.isSafeInteger(bankIndex) ? this.msiBanks[bankIndex] : undefined;
    if (!bank) return fail('EINVAL', `MSI bank ${bankIndex} does not exist (${this.msiBanks.length} banks)`);
    if (!this.#slots) return fail('ENODEV', 'windows not configured: set the window count first');
    const nr = this.windowIndexOf(iova);
    if (nr === undefined) return fail('EINVAL', `MSI iova ${hex(iova)} is outside the aperture`);
    return this.#enable(nr, { paddr: bank.paddr, size: bank.size, prot: prot & PROT_MASK, msi: { bank: bankIndex, iova } });
  }

  /** VFIO_IOMMU_PAMU_UNMAP_MSI_BANK: by the exact iova given to mapMsiBank, as the RFC does. */
  unmapMsiBank(iova: bigint): PamuResult {
    const nr = this.#slots?.findIndex((m) => m?.msi?.iova === iova) ?? -1;
    if (nr < 0) return fail('EINVAL', `no MSI bank is mapped at iova ${hex(iova)}`);
    return this.windowDisable(nr);
  }

  #isWindowIndex(nr: number): boolean {
    return Number.isSafeInteger(nr) && nr >= 0 && nr < this.#count;
  }

  #enable(nr: number, mapping: PamuMapping): PamuResult {
    const slots = this.#slots;
    const sub = this.subWindowSize;
    if (!slots || sub === undefined) return fail('ENODEV', 'windows not configured: set the window count first');
    if (!this.#isWindowIndex(nr)) return fail('EINVAL', `window ${nr} is not below the window count ${this.#count}`);
    if (mapping.size > sub) {
      return fail('EINVAL', `mapping size ${hex(mapping.size)} exceeds the sub-window size ${hex(sub)}`);
    }
    if (this.#count === 1) {
      // The single window is the primary entry itself, which cannot change under live DMA.
      if (this.#enabled) return fail('EBUSY', 'single-window domain is enabled: disable it before mapping');
      // The kernel checks the shape before "already valid" here. (Its other single-window
      // rule, aperture start aligned to the mapping size, always holds: the start is aligned
      // to the aperture size, which is a multiple of any smaller power of two.)
      const shape = checkMappingShape(mapping.paddr, mapping.size);
      if (!shape.ok) return shape;
    }
    if (slots[nr] !== undefined) return fail('EBUSY', `window ${nr} is already valid: disable it first`);
    // Multi-window: the hardware sub-window entry enforces the shape, after the valid check.
    const shape = checkMappingShape(mapping.paddr, mapping.size);
    if (!shape.ok) return shape;
    slots[nr] = mapping;
    return OK;
  }
}
