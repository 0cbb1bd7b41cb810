/** Lines under a run's report about QEMU's side: a table moved on a VFIO hotplug (the trace counts: src/trace/trace-run-counts.ts). */

/** A table QEMU moved to userspace on a VFIO hotplug (seed 004), and the mappings it replayed. */
export function formatTableMove(liobn: number, replayed: number, perMappingNs: number): string {
  return `hotplug: liobn 0x${liobn.toString(16)} moved from KVM to QEMU (one way); ${replayed.toLocaleString('en-US')} live mappings replayed ` +
    `to the IOMMU listeners (modelled ${(replayed * perMappingNs / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 })} us at userspacePerEntry ${perMappingNs} ns each)`;
}
