/**
 * A PAMU domain described as what user space asks of the VFIO container (the layout a
 * `tcesim pamu` file holds), and the builder that replays it ioctl by ioctl: SET_ATTR
 * geometry, SET_ATTR windows, one MAP_DMA per guest RAM range, GET_MSI_BANK_COUNT, then one
 * MAP_MSI_BANK per MSI window. A layout that builds therefore obeys every domain and container rule; one that does
 * not is refused with the first ioctl that refused it, its errno and the rule broken.
 * Runs in: host model only.
 */
import { HostMemory } from '../host-memory.js';
import type { PamuErrno, PamuResult, PamuValue } from './errors.js';
import type { MsiBank } from './pamu-domain.js';
import { ProcessMemory } from './process-memory.js';
import { vfioIommuSetAttr } from './vfio-attr.js';
import { VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_WRITE, vfioIommuMapDma } from './vfio-dma.js';
import { vfioIommuPamuGetMsiBankCount, vfioIommuPamuMapMsiBank } from './vfio-msi.js';
import { VfioPamuContainer } from './vfio-pamu-container.js';

/**
 * Where the modelled user process (QEMU) keeps guest RAM: guest physical address (= iova, as
 * QEMU maps it) + this. Any 4 KiB-aligned base would do; this one is far from the iova range
 * so a vaddr and an iova are never confused in a message.
 */
const GUEST_RAM_VADDR = 0x7f00_0000_0000n;

export interface PamuRamRange {
  /** Guest physical address, mapped at the same iova. */
  readonly iova: bigint;
  readonly size: bigint;
  /** Host physical address of the first byte; the range is physically contiguous. */
  readonly paddr: bigint;
}

export interface PamuMsiWindow {
  /** 1-based bank number, as seed 001's table numbers them (the ioctl's index is bank - 1). */
  readonly bank: number;
  readonly iova: bigint;
}

export interface PamuContainerLayout {
  readonly apertureStart: bigint;
  readonly apertureSize: bigint;
  readonly windows: number;
  /** The host's MSI bank register pages (bank 1 first). */
  readonly msiBanks: readonly MsiBank[];
  readonly ram: readonly PamuRamRange[];
  readonly msi: readonly PamuMsiWindow[];
  /** RLIMIT_MEMLOCK in bytes; undefined = unlimited. */
  readonly lockedLimit?: bigint;
  /** PAMU's window-count maximum; 256 by default. */
  readonly maxWindows?: number;
}

export type PamuContainerBuild =
  | { readonly ok: true; readonly container: VfioPamuContainer }
  | { readonly ok: false; readonly errno: PamuErrno; readonly reason: string; readonly step: string };

export function buildPamuContainer(layout: PamuContainerLayout): PamuContainerBuild {
  const memory = new ProcessMemory();
  const container = new VfioPamuContainer({
    msiBanks: layout.msiBanks,
    maxWindows: layout.maxWindows,
    memory,
    host: new HostMemory(12, layout.lockedLimit === undefined ? Infinity : Number(layout.lockedLimit)),
  });
  const steps: [string, () => PamuResult | PamuValue<number>][] = [
    ['VFIO_IOMMU_SET_ATTR geometry', () => vfioIommuSetAttr(container, {
      flags: 0,
      attr: { attribute: 'VFIO_ATTR_GEOMETRY', apertureStart: layout.apertureStart, apertureEnd: layout.apertureStart + layout.apertureSize - 1n },
    })],
    ['VFIO_IOMMU_SET_ATTR windows', () => vfioIommuSetAttr(container, { flags: 0, attr: { attribute: 'VFIO_ATTR_WINDOWS', windows: layout.windows } })],
  ];
  layout.ram.forEach((r, i) => {
    steps.push([`VFIO_IOMMU_MAP_DMA ram[${i}]`, () => {
      memory.back({ vaddr: GUEST_RAM_VADDR + r.iova, paddr: r.paddr, size: r.size });
      return vfioIommuMapDma(container, { flags: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, vaddr: GUEST_RAM_VADDR + r.iova, iova: r.iova, size: r.size });
    }]);
  });
  // User space asks how many banks there are before it places them, as the RFC intends.
  if (layout.msi.length > 0) steps.push(['VFIO_IOMMU_PAMU_GET_MSI_BANK_COUNT', () => vfioIommuPamuGetMsiBankCount(container)]);
  layout.msi.forEach((m, i) => {
    steps.push([`VFIO_IOMMU_PAMU_MAP_MSI_BANK msi[${i}]`, () => vfioIommuPamuMapMsiBank(container, {
      flags: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, msiBankIndex: m.bank - 1, iova: m.iova,
    })]);
  });
  for (const [step, run] of steps) {
    const result = run();
    if (!result.ok) {
      container.release();
      return { ok: false, errno: result.errno, reason: result.reason, step };
    }
  }
  return { ok: true, container };
}
