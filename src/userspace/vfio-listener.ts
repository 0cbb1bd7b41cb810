/**
 * QEMU's VFIO IOMMU listener (hw/vfio/common.c, vfio_iommu_map_notify): every MAP or UNMAP a
 * guest-view table announces becomes VFIO_IOMMU_MAP_DMA / UNMAP_DMA on the container serving
 * that window — bus iova = window-relative iova + the window's bus offset; MAP of the guest
 * page's bytes at QEMU's address of the translated guest page, read-only when the TCE lacks
 * write permission. A failed ioctl is reported and the guest still gets H_SUCCESS, as in QEMU.
 * So a call QEMU answers for a VFIO-backed LIOBN updates the hardware table as well.
 * Runs in: userspace (the main thread).
 */
import type { VfioContainer } from '../host/vfio/container.js';
import { vfioIommuMapDma } from '../host/vfio/map-dma.js';
import { vfioIommuUnmapDma } from '../host/vfio/unmap-dma.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { IommuListener, IommuNotification } from './iommu-listener.js';

export class VfioIommuListener {
  /** LIOBNs whose notifications this listener forwards. */
  private readonly liobns = new Set<number>();
  /** Notifications for addresses outside guest RAM (QEMU: "iommu map to non memory area"). */
  skipped = 0;

  readonly listener: IommuListener = (n) => {
    if (this.liobns.has(n.liobn >>> 0)) this.forward(n);
  };

  constructor(readonly container: VfioContainer, private readonly tables: TceTables) {}

  /** Start forwarding a window's notifications (vfio_listener_region_add of an IOMMU region). */
  watch(liobn: number): void {
    this.liobns.add(liobn >>> 0);
  }

  watches(liobn: number): boolean {
    return this.liobns.has(liobn >>> 0);
  }

  forward(n: IommuNotification): number {
    const slot = this.tables.findTable(n.liobn);
    if (slot < 0) return 0;
    const iova = n.iova + this.tables.geometry(slot).busOffset;
    const size = n.addrMask + 1n;
    let ret: number;
    if (n.type === 'UNMAP') {
      ret = vfioIommuUnmapDma(this.container, { iova, size });
    } else {
      if (n.translatedAddr + size > BigInt(this.tables.ram.slotBytes)) {
        this.skipped++;
        return 0;
      }
      const vaddr = BigInt(this.container.host.config.ramUserAddr) + n.translatedAddr;
      ret = vfioIommuMapDma(this.container, { vaddr, iova, size, read: true, write: (n.perm & 2) !== 0 });
    }
    return ret;
  }
}
