import type { ParseArgsConfig } from 'node:util';
import { parseCommandArgs } from './args.js';
import { LogFormatError } from '../events/decode.js';
import { readCheckedLog, type CheckedLog } from '../events/log-check.js';
import type { RecordSink } from '../events/drain.js';
import type { TcesimEvent, TraceRunCountsEvent } from '../events/events.js';
import { formatTraceRunCounts } from '../trace/trace-run-counts.js';
import { isSystemError, systemErrorText } from '../events/write-error.js';
import { replayVerified } from '../events/replay.js';
import { formatHostReplay, formatHostReport, HostRecordStats } from '../report/host-report.js';
import { CallStats } from '../report/call-stats.js';
import { formatReport } from '../report/report.js';
import { recordProgress } from './progress.js';
import { UsageError } from './usage-error.js';

export const REPLAY_HELP = `tcesim replay LOG [--verify]

Rebuilds every table from the event log alone, checking that each write's old value is what
the table held, and compares the rebuilt tables bit for bit with the final tables the run
recorded. The log is streamed, so a log larger than memory will do; it is checked as it is
read (every record in place, each vCPU's calls in order, nothing after the end of the run).

Exit codes: 0 the tables rebuild bit for bit (or, without --verify, the log is a run's
unfinished prefix with an unbroken write chain); 1 a broken write chain or a final entry that
differs, and with --verify also a log without final tables (a killed run); 2 not a valid log.`;

export const REPORT_HELP = `tcesim report LOG

Prints the report of a run from its event log: per hcall and answering tier the count, share and
latencies; per escalation reason its count; totals per tier; modelled and wall-clock throughput.
The log is read with the same checks as replay: a log that fails them is refused (exit 2), and a
log of a run that did not finish (killed, stopped, or a file cut short) is reported with a line
saying so, and exit 1.`;

/** Read a log with the checks every log command shares; a bad log or path is a UsageError. */
export function readLog(path: string, sinks: readonly RecordSink[] = [], onEvents?: (events: readonly TcesimEvent[]) => void): CheckedLog {
  try {
    return readCheckedLog(path, { sinks, progress: recordProgress(process.stderr, path), ...(onEvents !== undefined ? { onEvents } : {}) });
  } catch (e) {
    if (e instanceof LogFormatError) throw new UsageError(e.message);
    if (isSystemError(e)) throw new UsageError(`cannot read log ${path}: ${systemErrorText(e)}`);
    throw e;
  }
}

function onePath(argv: string[], command: string, options: NonNullable<ParseArgsConfig['options']>): { path: string; values: Record<string, unknown> } {
  const { values, positionals } = parseCommandArgs(command, argv, options);
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one log file (tcesim ${command} LOG${command === 'replay' ? ' [--verify]' : ''})`);
  if (positionals[0] === '') throw new UsageError(`${command} needs a log file name, got an empty one`);
  return { path: positionals[0] as string, values };
}

export function replayCommand(argv: string[], out: (line: string) => void): number {
  const { path, values } = onePath(argv, 'replay', { verify: { type: 'boolean' } });
  const log = readLog(path);
  const r = log.replay;
  const hex = (x: bigint): string => `0x${x.toString(16)}`;
  out(`${path}: ${r.records.toLocaleString('en-US')} records`);
  out(`calls: ${r.callsEntered} entered, ${r.callsCompleted} completed; table writes: ${r.writes}`);
  for (const [key, t] of r.tables) out(`  table ${key}: ${t.size} non-zero entries rebuilt`);
  for (const b of r.chainBreaks) {
    out(b.run === undefined
      ? `  write chain broken at record ${b.record}: ${b.table}[${b.index}] held ${hex(b.expectedOld)}, the write says it held ${hex(b.loggedOld)}`
      : `  write chain broken at record ${b.record}: the run of writes from ${b.table}[${b.index}] found ${b.run.expected}, the record says ${b.run.logged}`);
  }
  for (const mm of r.mismatches) out(`  ${mm.table}[${mm.index}]: rebuilt ${hex(mm.rebuilt)}, recorded ${hex(mm.recorded)}`);
  if (log.unfinished !== null) out(`unfinished: ${log.unfinished}`);
  // One verdict, worded once.
  if (r.chainBreaks.length > 0) {
    out(`replay: FAILED: the write chain is broken at ${r.chainBreaks.length}${r.chainBreaks.length === 100 ? '+' : ''} writes (a write is missing, reordered or corrupt); the rebuilt tables cannot be trusted`);
    return 1;
  }
  if (r.mismatches.length > 0) {
    out(`replay: FAILED: ${r.mismatches.length}${r.mismatches.length === 100 ? '+' : ''} final entries differ between the rebuilt tables and those the run recorded`);
    return 1;
  }
  if (r.recorded === null) {
    out('replay: the log holds no final tables to compare with; rebuilt the prefix it holds, write chain unbroken');
    if (values['verify'] === true) {
      out('verify: FAILED (nothing to verify against)');
      return 1;
    }
    return 0;
  }
  if (r.host !== null) {
    out(formatHostReplay(r.host));
    if (!replayVerified(r)) {
      out('replay: FAILED: the host\'s pins or locked memory do not replay to what the run recorded');
      return 1;
    }
  }
  out('final tables: rebuilt bit for bit');
  if (values['verify'] === true) out(replayVerified(r) ? 'verify: OK' : 'verify: FAILED');
  return 0;
}

/** The replayed trace's file as the run's description names it (its workload parameter). */
function traceFileOf(metadata: unknown): string {
  const params = (metadata as { workloadParams?: Record<string, unknown> } | null)?.workloadParams;
  const file = params?.['file'];
  return typeof file === 'string' ? file : '(trace)';
}

export function reportCommand(argv: string[], out: (line: string) => void): number {
  const { path } = onePath(argv, 'report', {});
  const stats = new CallStats();
  const host = new HostRecordStats();
  // A trace run's counts (one record, before the final tables).
  const trace: { counts: TraceRunCountsEvent | null } = { counts: null };
  const log = readLog(path, [stats, host], (events) => {
    for (const e of events) if (e.type === 'trace-run-counts') trace.counts = e;
  });
  if (log.replay.chainBreaks.length > 0 || log.replay.mismatches.length > 0) {
    throw new UsageError(`${path}: the log's table writes do not replay (run tcesim replay ${path}): not reporting from it`);
  }
  out(formatReport(log.description, stats, { records: log.records, unfinished: log.unfinished }));
  if (host.seen) out(`\n${formatHostReport(host.summary())}`);
  if (trace.counts !== null) for (const line of formatTraceRunCounts(traceFileOf(log.metadata), trace.counts)) out(line);
  return log.unfinished === null ? 0 : 1;
}
