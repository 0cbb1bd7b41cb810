/**
 * An event log to a Chrome Trace Event JSON file (docs/timeline.md), streamed: records are read
 * a block at a time, decoded, gathered per call, and each call's events are written as soon as
 * it completes. Memory holds one block, the calls in flight (one per vCPU) and one write
 * buffer, whatever the size of the log.
 */
import { EventDecoder, LogFormatError } from '../events/decode.js';
import type { TcesimEvent } from '../events/events.js';
import { RECORD_WORDS } from '../events/layout.js';
import { CallTimeline, type TimelineCounts } from './call-timeline.js';
import { readCheckedLog, type CheckedLog } from '../events/log-check.js';
import type { LogStream } from './log-stream.js';
import { TraceJsonWriter } from './trace-json-writer.js';

export interface ChromeExportOptions {
  /** Draw only the first N calls the log enters (null: every call). */
  readonly limit: number | null;
  /** Records read at a time; the output does not depend on it. */
  readonly blockRecords?: number;
}

export interface ChromeExportResult extends TimelineCounts {
  /** Records read: all of them, or fewer when a limit let the export stop early. */
  readonly recordsRead: number;
  /** Trace events written, metadata included. */
  readonly traceEvents: number;
}

/**
 * What the trace says about itself, in the format's free-form `otherData`, written before
 * `traceEvents`. Only keys Perfetto's streaming reader knows (it stops at an unknown key), and
 * small: it wants `otherData` whole within one read chunk, which the file's start always is.
 */
function traceHeader(log: { readonly path: string; readonly metadata: unknown }, options: ChromeExportOptions): Record<string, unknown> {
  return {
    displayTimeUnit: 'ns',
    otherData: {
      generator: 'tcesim export',
      clock: 'modelled: each vCPU\'s modelled clock (docs/modelled-time.md), not wall-clock',
      log: log.path,
      run: log.metadata,
      limit: options.limit,
    },
  };
}

/**
 * Write the timeline of `log` to `outPath` (created or truncated). A record that cannot be
 * decoded is a LogFormatError naming the record; the half-written trace is then removed.
 * Errors opening `outPath` are thrown as node:fs throws them.
 */
export function exportChromeTrace(log: LogStream, outPath: string, options: ChromeExportOptions): ChromeExportResult {
  const out = new TraceJsonWriter(outPath, traceHeader(log, options));
  const timeline = new CallTimeline((e) => out.event(e), options.limit);
  const decoder = new EventDecoder();
  const events: TcesimEvent[] = [];
  let read = 0;
  try {
    blocks: for (const block of log.blocks(options.blockRecords)) {
      for (let r = 0; r < block.count; r++) {
        events.length = 0;
        try {
          decoder.decode(block.words, r * RECORD_WORDS, events);
        } catch (e) {
          if (e instanceof LogFormatError || e instanceof RangeError) throw new LogFormatError(`${log.path}: record ${block.first + r}: ${e.message}`);
          throw e;
        }
        for (const e of events) timeline.add(e);
        read++;
        if (timeline.done) break blocks;
      }
    }
    out.close();
  } catch (e) {
    out.abort();
    throw e;
  }
  return { ...timeline.counts(), recordsRead: read, traceEvents: out.events };
}

/**
 * The CLI's export: the log is read by the one checking reader (src/events/log-check.ts), so a
 * log that replay would refuse is refused here too, before the trace is kept; the timeline is
 * drawn from the events that reader decodes. A failure removes the half-written trace.
 */
export function exportCheckedChromeTrace(
  logPath: string, outPath: string, options: ChromeExportOptions, progress?: (done: number, total: number) => void,
): { result: ChromeExportResult; log: CheckedLog } {
  let out: TraceJsonWriter | null = null;
  let timeline: CallTimeline | null = null;
  let read = 0;
  try {
    const log = readCheckedLog(logPath, {
      onOpen: (metadata) => {
        const writer = new TraceJsonWriter(outPath, traceHeader({ path: logPath, metadata }, options));
        out = writer;
        timeline = new CallTimeline((e) => writer.event(e), options.limit);
      },
      onEvents: (events) => {
        read++;
        const t = timeline;
        if (t === null || t.done) return;
        for (const e of events) t.add(e);
      },
      stop: () => timeline?.done === true,
      progress,
    });
    const writer = out as TraceJsonWriter | null;
    const t = timeline as CallTimeline | null;
    if (writer === null || t === null) throw new Error('the log was not opened');
    writer.close();
    return { result: { ...t.counts(), recordsRead: read, traceEvents: writer.events }, log };
  } catch (e) {
    (out as TraceJsonWriter | null)?.abort();
    throw e;
  }
}
