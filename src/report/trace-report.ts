/** What a trace replay rebuilt rather than read, from its pre-scan: one line under the report. */
import type { TraceScan } from '../trace/trace-scan.js';

/** A table QEMU moved to userspace on a VFIO hotplug (seed 004), and the mappings it replayed. */
export function formatTableMove(liobn: number, replayed: number, perMappingNs: number): string {
  return `hotplug: liobn 0x${liobn.toString(16)} moved from KVM to QEMU (one way); ${replayed.toLocaleString('en-US')} live mappings replayed ` +
    `to the IOMMU listeners (modelled ${(replayed * perMappingNs / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 })} us at userspacePerEntry ${perMappingNs} ns each)`;
}

export function formatTraceReport(scan: TraceScan): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const hcalls = scan.calls - scan.rtasCalls;
  return `trace ${scan.file}: ${n(scan.calls)} calls replayed: ${n(hcalls)} hcalls, ${n(scan.rtasCalls)} RTAS calls (ddw_* lines), ` +
    `${n(scan.noTableCalls)} on a LIOBN without a table, ${n(scan.reconstructedLists)} INDIRECT lists reconstructed (not Linux's consecutive layout); ` +
    `${n(scan.phbs.length)} PHB(s) with DDW modelled`;
}
