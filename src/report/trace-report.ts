/** What a trace replay rebuilt rather than read, from its pre-scan: one line under the report. */
import type { TraceScan } from '../trace/trace-scan.js';

export function formatTraceReport(scan: TraceScan): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const hcalls = scan.calls - scan.rtasCalls;
  return `trace ${scan.file}: ${n(scan.calls)} calls replayed: ${n(hcalls)} hcalls, ${n(scan.rtasCalls)} RTAS calls (ddw_* lines), ` +
    `${n(scan.noTableCalls)} on a LIOBN without a table, ${n(scan.reconstructedLists)} INDIRECT lists reconstructed (not Linux's consecutive layout); ` +
    `${n(scan.phbs.length)} PHB(s) with DDW modelled`;
}
