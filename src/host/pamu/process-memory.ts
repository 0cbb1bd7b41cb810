/**
 * The user process's memory as the PAMU VFIO container sees it when it pins: regions of virtual
 * addresses, each backed by one physically contiguous range (a huge page, or several adjacent
 * ones). A PAMU window translates to one physical range, so a window's worth of user memory
 * must be physically contiguous; this is where that is decided. Pins and locked memory are
 * the host's (src/host/host-memory.ts), shared with every other container of the process.
 * Runs in: host model only.
 */
import { fail, hex, value, type PamuValue } from './errors.js';

/** The page of a Freescale e500 host (PAMU's platform): the unit backing is described in. */
export const HOST_PAGE_SIZE = 0x1000n;

export interface BackedRegion {
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly size: bigint;
}

export class ProcessMemory {
  readonly #regions: BackedRegion[] = [];

  constructor(regions: readonly BackedRegion[] = []) {
    for (const r of regions) this.back(r);
  }

  get regions(): readonly BackedRegion[] {
    return this.#regions;
  }

  /**
   * Back [vaddr, vaddr + size) with [paddr, paddr + size). A caller's mistake (unaligned,
   * overlapping) is a bug in the machine it describes, not an ioctl answer, hence the throw.
   */
  back(region: BackedRegion): void {
    const { vaddr, paddr, size } = region;
    if (size <= 0n || vaddr < 0n || paddr < 0n || vaddr % HOST_PAGE_SIZE !== 0n || paddr % HOST_PAGE_SIZE !== 0n || size % HOST_PAGE_SIZE !== 0n) {
      throw new RangeError(`backing ${hex(vaddr)}+${hex(size)} -> ${hex(paddr)} is not whole 4 KiB pages`);
    }
    if (this.#regions.some((r) => vaddr < r.vaddr + r.size && r.vaddr < vaddr + size)) {
      throw new RangeError(`backing at ${hex(vaddr)}+${hex(size)} overlaps a region already backed`);
    }
    this.#regions.push(region);
    this.#regions.sort((a, b) => (a.vaddr < b.vaddr ? -1 : 1));
  }

  /**
   * The physical start of [vaddr, vaddr + size): EFAULT where no memory backs a byte of it
   * (get_user_pages fails), EINVAL when it is backed but not physically contiguous.
   */
  resolve(vaddr: bigint, size: bigint): PamuValue<bigint> {
    let at = vaddr;
    let start: bigint | undefined;
    while (at < vaddr + size) {
      const r = this.#regions.find((x) => at >= x.vaddr && at < x.vaddr + x.size);
      if (!r) return fail('EFAULT', `no memory behind user address ${hex(at)}`);
      const paddr = r.paddr + (at - r.vaddr);
      if (start === undefined) start = paddr;
      else if (paddr !== start + (at - vaddr)) {
        return fail('EINVAL', `user range ${hex(vaddr)}+${hex(size)} is not physically contiguous at ${hex(at)}`);
      }
      at = r.vaddr + r.size;
    }
    return start === undefined ? fail('EINVAL', `empty user range at ${hex(vaddr)}`) : value(start);
  }
}
