/**
 * A VFIO container over one PAMU domain: the "type 2" IOMMU the 2013 RFC (seed 001) asked for.
 * It holds what the ioctls share: the domain, the process's memory (which user address is
 * backed by which physical range), the host's pins and locked-memory account (HostMemory, the
 * same class the sPAPR TCE containers charge, so one process's containers of both kinds share
 * one RLIMIT_MEMLOCK), and which windows hold DMA mappings (each with the pages it pinned). The ioctls themselves
 * are functions named for them, in vfio-attr.ts, vfio-dma.ts and vfio-msi.ts.
 *
 * One invariant the ioctls keep: the domain is enabled exactly while some window is valid.
 * MAP_DMA and MAP_MSI_BANK enable it after mapping (as the RFC driver does), the unmaps disable
 * it when the last window goes. Geometry and window count then answer EBUSY while anything is
 * mapped, so a geometry change can never drop a window whose pages are still pinned.
 * Runs in: host model only.
 */
import { HostMemory } from '../host-memory.js';
import { fail, OK, type PamuResult } from './errors.js';
import { PamuDomain, type MsiBank } from './pamu-domain.js';
import { ProcessMemory } from './process-memory.js';

/** PAMU's platform (Freescale e500) runs 4 KiB host pages: the unit pinned by default. */
const PAMU_HOST_PAGE_SHIFT = 12;

/** One window mapped by MAP_DMA: the user range behind it and the host pages it pinned. */
export interface DmaWindow {
  readonly window: number;
  readonly iova: bigint;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly size: bigint;
  /** Host pages pinned for it, one pin each. */
  readonly pages: number;
}

export interface VfioPamuContainerOptions {
  /** MSI banks the host's MSI driver exposes to the device's group. */
  readonly msiBanks?: readonly MsiBank[];
  /** PAMU's window-count maximum (256 in the VFIO design). */
  readonly maxWindows?: number;
  /** The user process's memory; a new empty one by default. */
  readonly memory?: ProcessMemory;
  /**
   * The host's pins and the process's locked memory (shared by its containers); by default a
   * new one with 4 KiB pages and no limit (CAP_IPC_LOCK).
   */
  readonly host?: HostMemory;
}

export class VfioPamuContainer {
  readonly domain: PamuDomain;
  readonly memory: ProcessMemory;
  readonly host: HostMemory;
  readonly #dma = new Map<number, DmaWindow>();
  readonly #ioctls = new Map<string, number>();
  #released = false;

  constructor(options: VfioPamuContainerOptions = {}) {
    this.domain = new PamuDomain({ msiBanks: options.msiBanks, maxWindows: options.maxWindows });
    this.memory = options.memory ?? new ProcessMemory();
    this.host = options.host ?? new HostMemory(PAMU_HOST_PAGE_SHIFT, Infinity);
  }

  get released(): boolean {
    return this.#released;
  }

  /** The DMA-mapped windows, in window order. */
  dmaWindows(): DmaWindow[] {
    return [...this.#dma.values()].sort((a, b) => a.window - b.window);
  }

  dmaWindow(nr: number): DmaWindow | undefined {
    return this.#dma.get(nr);
  }

  /**
   * Every ioctl starts here: it is counted (a setup's cost is paid per ioctl, see setup-cost.ts),
   * and answers EBADF once the container is released.
   */
  enter(ioctl: string): PamuResult {
    this.#ioctls.set(ioctl, (this.#ioctls.get(ioctl) ?? 0) + 1);
    return this.#released ? fail('EBADF', 'container already released') : OK;
  }

  /** How many times each ioctl was called, refused ones included, in first-call order. */
  ioctlCounts(): ReadonlyMap<string, number> {
    return this.#ioctls;
  }

  /**
   * Pin the user range behind window `nr`, charge it, and enable the window. Each step undoes
   * the ones before it when it fails, so a refused window leaves nothing pinned or charged.
   */
  mapDmaWindow(nr: number, iova: bigint, vaddr: bigint, size: bigint, prot: number): PamuResult {
    const resolved = this.memory.resolve(vaddr, size);
    if (!resolved.ok) return resolved;
    const host = this.host;
    if (host.charge(Number(size)) !== 0) {
      return fail('ENOMEM', `locking ${size} more bytes would pass the locked-memory limit of ${host.lockedLimit} bytes (${host.lockedBytes} locked)`);
    }
    const pages = this.#pin(resolved.value, size);
    const enabled = this.domain.windowEnable(nr, resolved.value, size, prot);
    if (!enabled.ok) {
      this.#unpin(resolved.value, size);
      host.refund(Number(size));
      return enabled;
    }
    this.#dma.set(nr, { window: nr, iova, vaddr, paddr: resolved.value, size, pages });
    return OK;
  }

  /** Disable a DMA window and release exactly what mapDmaWindow pinned and charged; its size. */
  unmapDmaWindow(nr: number): bigint {
    const w = this.#dma.get(nr);
    if (!w) return 0n;
    const disabled = this.domain.windowDisable(nr);
    // The window was enabled by mapDmaWindow under the same configuration, so this cannot fail.
    if (!disabled.ok) throw new Error(`window ${nr} recorded as mapped but ${disabled.reason}`);
    this.#unpin(w.paddr, w.size);
    this.host.refund(Number(w.size));
    this.#dma.delete(nr);
    return w.size;
  }

  /** One pin per host page of [paddr, paddr + size); the number of pins. */
  #pin(paddr: bigint, size: bigint): number {
    const step = 2 ** this.host.pageShift;
    const start = Number(paddr);
    const end = start + Number(size);
    let pages = 0;
    for (let a = start; a < end; a += step, pages++) this.host.pin(a);
    return pages;
  }

  #unpin(paddr: bigint, size: bigint): void {
    const step = 2 ** this.host.pageShift;
    const start = Number(paddr);
    const end = start + Number(size);
    for (let a = start; a < end; a += step) this.host.unpin(a);
  }

  /** Keep the invariant: enabled exactly while some window is valid. */
  syncEnabled(): void {
    const on = this.domain.mappedCount > 0;
    if (this.domain.enabled !== on) {
      const r = this.domain.setEnabled(on);
      if (!r.ok) throw new Error(`enable ${on}: ${r.reason}`);
    }
  }

  /**
   * The container's file descriptor closed: unmap every DMA window (unpin, refund) and every
   * MSI bank, disable the domain. Later ioctls answer EBADF. Releasing twice is harmless.
   */
  release(): void {
    if (this.#released) return;
    for (const w of this.dmaWindows()) this.unmapDmaWindow(w.window);
    for (const w of this.domain.windows()) {
      if (w.mapping) this.domain.windowDisable(w.index);
    }
    this.syncEnabled();
    this.#released = true;
  }
}
