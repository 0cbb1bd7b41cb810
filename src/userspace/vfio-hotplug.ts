/**
 * A VFIO device plugged into a PHB (vfio_realize): QEMU's VFIO memory listener starts watching
 * the PHB's DMA windows for the container the device's group is in, so every MAP/UNMAP of those
 * windows — including the replay that follows the plug — becomes MAP_DMA/UNMAP_DMA on that
 * container (src/userspace/vfio-listener.ts). A group not in any container is not forwarded
 * (QEMU would have failed the plug). Runs in: userspace (the main thread).
 */
import type { Host } from '../host/host.js';
import { VfioContainer } from '../host/vfio/container.js';
import type { SpaprIommu } from './spapr-iommu.js';
import { replayIommu } from './iommu-listener.js';
import { VfioIommuListener } from './vfio-listener.js';

export function forwardHotplugToVfio(q: SpaprIommu, host: Host): void {
  const listeners = new Map<VfioContainer, VfioIommuListener>();
  q.vfioPlugged = (phb, group) => {
    const c = host.groups.get(group)?.container;
    if (!(c instanceof VfioContainer)) return;
    let l = listeners.get(c);
    if (l === undefined) {
      l = new VfioIommuListener(c, q.tables);
      listeners.set(c, l);
      q.addListener(l.listener);
    }
    // The PHB's first device moves its kernel tables to userspace, and that move replays their
    // mappings to every listener (SpaprIommu.hotplugVfio). Any other window this listener has
    // just started watching gets the replay QEMU's listener asks for when it registers.
    const moving = phb.vfioGroups.length === 0 && q.kvm.vfioAcceleration !== true;
    for (const w of phb.windows) {
      if (l.watches(w.liobn)) continue;
      l.watch(w.liobn);
      if (w.slot < 0) continue;
      if (moving && q.tables.isInKernel(w.slot)) continue;
      replayIommu(q.tables, w.slot, l.listener);
    }
  };
}
