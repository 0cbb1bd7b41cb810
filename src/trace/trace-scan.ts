/**
 * The pre-scan: a trace read once, to the end, on the main thread before a run, so that every
 * line is checked (a malformed or impossible line stops the run before it starts, naming the
 * line), the calls are counted (the run's default length) and every table is known (the
 * machine creates them before the first call). Streamed like the replay, and remembered per
 * file, its modification time and size, so the command line and the run share one scan.
 */
import { statSync, type Stats } from 'node:fs';
import { parseTableOverrides, type TraceTableGeometry } from './table-geometry.js';
import { TraceCallStream, type TraceEventCounts } from './trace-calls-stream.js';
import { TraceFormatError } from './trace-error.js';
import { traceReadError } from './trace-reader.js';
import { CallFileWriter, callFilePath } from './trace-calls-file.js';
import { HotCall } from './trace-calls-hot.js';
import type { TraceCall } from './trace-calls.js';

export interface TraceScan {
  readonly file: string;
  /** Hcall lines (put, get, indirect, stuff): the calls a replay makes. */
  readonly calls: number;
  readonly events: Readonly<TraceEventCounts>;
  /** Lines read, and those passed over (blank, other trace points, QEMU's messages). */
  readonly lines: number;
  readonly skippedLines: number;
  /** Skipped lines that name a spapr_iommu_ event after other text, and the first of them (0: none). */
  readonly mangledLines: number;
  readonly firstMangledLine: number;
  /** Every table the replay needs from the start, in LIOBN order. */
  readonly tables: readonly TraceTableGeometry[];
  /** PHBs whose windows the trace's DDW lines change: the machine models them (src/userspace/spapr-phb.ts). */
  readonly phbs: readonly { readonly index: number; readonly dmaWinAddr: bigint; readonly dmaWinSize: bigint }[];
  /** Of the calls: RTAS calls, calls on a LIOBN without a table, indirects whose list was reconstructed. */
  readonly rtasCalls: number;
  readonly noTableCalls: number;
  readonly reconstructedLists: number;
  /** The calls rebuilt, one record each, for the replay to read (trace-calls-file.ts), or null when it could not be written. */
  readonly callFile: string | null;
}

const cache = new Map<string, TraceScan>();
const CACHE_SIZE = 8;

/**
 * Scan `file` with the table overrides `tablesParam` (the workload's `tables` parameter) and
 * `ramBytes` of guest RAM. Throws a RangeError (a TraceFormatError naming file and line) on a
 * trace it cannot replay.
 */
export function scanTrace(file: string, tablesParam: string | undefined, ramBytes: number): TraceScan {
  const overrides = parseTableOverrides(tablesParam);
  let key: string;
  let st: Stats;
  try {
    st = statSync(file);
    key = JSON.stringify([file, tablesParam ?? '', ramBytes, st.size, st.mtimeMs, st.ino]);
  } catch (e) {
    throw traceReadError(file, e);
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const s = new TraceCallStream(file, overrides, ramBytes);
  let out: CallFileWriter | null;
  try {
    out = new CallFileWriter(callFilePath(file, st.size, st.mtimeMs, st.ino, tablesParam ?? '', ramBytes));
  } catch {
    // No room in the temporary folder: the replay reads the text.
    out = null;
  }
  const hot = new HotCall();
  try {
    for (;;) {
      const c = s.nextHot(hot);
      if (c === null) break;
      if (out === null) continue;
      if (c === hot) out.addHot(hot, s.reader.line);
      else out.add(c as TraceCall, s.reader.line);
    }
    const conflict = s.conflicts()[0];
    if (conflict !== undefined) {
      throw new TraceFormatError(file, conflict.line, `a failed call on liobn 0x${conflict.liobn.toString(16)} before any line needed its table: ` +
        'replayed without a table, it cannot share the run with the later calls that need one (declare the table with --trace-table)');
    }
    out?.finish();
  } catch (e) {
    out?.abandon();
    throw e;
  } finally {
    s.close();
  }
  const scan: TraceScan = {
    file, calls: s.calls, events: { ...s.counts }, lines: s.reader.line, skippedLines: s.reader.skipped, tables: s.tables(),
    phbs: s.modelledPhbs(), rtasCalls: s.rtasCalls, noTableCalls: s.noTableCalls, reconstructedLists: s.reconstructedLists,
    mangledLines: s.reader.mangled, firstMangledLine: s.reader.firstMangled, callFile: out?.path ?? null,
  };
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(key, scan);
  return scan;
}
