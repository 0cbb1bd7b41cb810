/**
 * What a trace replay rebuilt rather than read, and how its answers compared with the trace: the
 * counts `tcesim run --trace` prints under its report. They are also written into the event log
 * as one TRACE_COUNTS record just before the final tables (docs/event-log-format.md), so
 * `tcesim report LOG` prints the same lines from the log alone.
 */
import { FLAG_TCE_DIFFERS, KIND_TRACE_COUNTS, NO_TIER, RECORD_WORDS, R_HEAD, R_P0, R_SEQ, R_VCPU, recordHead } from '../events/layout.js';
import type { EventWriter } from '../events/writer.js';
import { TIER_NAMES } from '../papr/tiers.js';
import type { TraceAnswerCheck } from './trace-answer-check.js';
import type { TraceScan } from './trace-scan.js';

/** The first answer that differed from the trace. */
export interface TraceFirstDifference {
  /** The trace line of the call. */
  readonly line: number;
  readonly ret: number;
  /** The tier that answered (src/papr/tiers.ts). */
  readonly tier: number;
  /** What QEMU answered in the trace. */
  readonly traceRet: number;
  /** The return codes agree but H_GET_TCE's value does not. */
  readonly tceDiffers: boolean;
}

export interface TraceRunCounts {
  /** Calls the trace holds (hcalls and RTAS calls), of which RTAS calls (ddw_* lines). */
  readonly calls: number;
  readonly rtasCalls: number;
  /** Calls on a LIOBN without a table at that line. */
  readonly noTableCalls: number;
  /** INDIRECT calls whose list could not be laid out as Linux writes it. */
  readonly reconstructedLists: number;
  /** Lines passed over (blank, other trace points, QEMU's messages), and of those the ones naming a spapr_iommu_ event after other text. */
  readonly skippedLines: number;
  readonly mangledLines: number;
  readonly firstMangledLine: number;
  /** PHBs modelled with DDW. */
  readonly phbs: number;
  /** Hcall answers checked against the trace, those that differed, and the first. */
  readonly checked: number;
  readonly differing: number;
  readonly first: TraceFirstDifference | null;
}

export function traceRunCounts(scan: TraceScan, check: TraceAnswerCheck): TraceRunCounts {
  return {
    calls: scan.calls, rtasCalls: scan.rtasCalls, noTableCalls: scan.noTableCalls, reconstructedLists: scan.reconstructedLists,
    skippedLines: scan.skippedLines, mangledLines: scan.mangledLines, firstMangledLine: scan.firstMangledLine, phbs: scan.phbs.length,
    checked: check.checked, differing: check.differing, first: check.firstAt ?? null,
  };
}

/**
 * The TRACE_COUNTS record (its layout: src/events/layout.ts KIND_TRACE_COUNTS; read back by
 * src/events/decode.ts as a `trace-run-counts` event).
 */
export function recordTraceRunCounts(w: EventWriter, c: TraceRunCounts): void {
  const r = new Int32Array(RECORD_WORDS);
  const f = c.first;
  r[R_HEAD] = recordHead(KIND_TRACE_COUNTS, f === null ? NO_TIER : f.tier, 0, f !== null && f.tceDiffers ? FLAG_TCE_DIFFERS : 0);
  const p = [c.calls, c.rtasCalls, c.noTableCalls, c.reconstructedLists, c.skippedLines, c.mangledLines, c.firstMangledLine, c.phbs, c.checked, c.differing];
  p.forEach((v, i) => { r[R_P0 + i] = v; });
  r[R_VCPU] = f?.line ?? 0;
  r[R_SEQ] = f?.ret ?? 0;
  r[R_SEQ + 1] = f?.traceRet ?? 0;
  w.appendRaw(r, 0);
}

/** The lines under a trace run's report (run and `report LOG` print the same). */
export function formatTraceRunCounts(file: string, c: TraceRunCounts): string[] {
  const n = (v: number): string => v.toLocaleString('en-US');
  const lines = [
    `trace ${file}: ${n(c.calls)} calls replayed: ${n(c.calls - c.rtasCalls)} hcalls, ${n(c.rtasCalls)} RTAS calls (ddw_* lines), ` +
      `${n(c.noTableCalls)} on a LIOBN without a table, ${n(c.reconstructedLists)} INDIRECT lists reconstructed (not Linux's consecutive layout); ` +
      `${n(c.phbs)} PHB(s) with DDW modelled; ${n(c.skippedLines)} lines skipped (not spapr_iommu_ events)`,
  ];
  if (c.mangledLines > 0) {
    lines.push(`trace ${file}: ${n(c.mangledLines)} skipped line(s) name a spapr_iommu_ event after other text (first: line ${c.firstMangledLine}); not QEMU's form, so they were not replayed`);
  }
  const f = c.first;
  const first = f === null ? '' : ` (first: ${file}:${f.line}: answered ${f.ret} by ${TIER_NAMES[f.tier] ?? `tier ${f.tier}`}` +
    `${f.tceDiffers ? ' with an H_GET_TCE value other than the trace\'s' : `, the trace says ${f.traceRet}`})`;
  lines.push(`trace answers: ${n(c.checked)} hcalls checked, ${n(c.differing)} answered otherwise than in the trace${first}`);
  return lines;
}
