import { parseArgs } from 'node:util';
import { LogFormatError } from '../events/decode.js';
import { readLogFile, type LogFile } from '../events/log-file.js';
import { replayRecords, replayVerified } from '../events/replay.js';
import { formatHostReplay, formatHostReport, HostRecordStats } from '../report/host-report.js';
import { CallStats } from '../report/call-stats.js';
import { formatReport, type RunDescription } from '../report/report.js';
import { UsageError } from './usage-error.js';

export const REPLAY_HELP = `tcesim replay LOG [--verify]

Rebuilds every table from the event log alone, checking that each write's old value is what
the table held. With --verify, also compares the rebuilt tables bit for bit with the final
tables the run recorded, and exits 1 on any difference (or when the log has none: a killed run).`;

export const REPORT_HELP = `tcesim report LOG

Prints the report of a run from its event log: per hcall and answering tier the count, share and
latencies; per escalation reason its count; totals per tier; modelled and wall-clock throughput.`;

export function openLog(path: string): LogFile {
  try {
    return readLogFile(path);
  } catch (e) {
    if (e instanceof LogFormatError) throw new UsageError(e.message);
    if (e instanceof Error && 'code' in e && (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES')) {
      throw new UsageError(`cannot read log ${path}: ${e.message}`);
    }
    throw e;
  }
}

function describe(log: LogFile, path: string): RunDescription {
  const m = log.metadata;
  if (typeof m !== 'object' || m === null) throw new UsageError(`${path}: the log's run description is not an object`);
  const r = m as Record<string, unknown>;
  const str = (k: string): string => (typeof r[k] === 'string' ? r[k] : '?');
  const num = (k: string): number => (typeof r[k] === 'number' ? r[k] : 0);
  return { mode: str('mode'), workload: str('workload'), vcpus: num('vcpus'), calls: num('calls'), seed: num('seed') };
}

export function replayCommand(argv: string[], out: (line: string) => void): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { verify: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('replay needs exactly one log file (tcesim replay LOG [--verify])');
  const path = positionals[0] as string;
  const log = openLog(path);
  let r;
  try {
    r = replayRecords(log.words, log.records);
  } catch (e) {
    if (e instanceof LogFormatError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
  out(`${path}: ${r.records.toLocaleString('en-US')} records${log.trailingBytes > 0 ? ` (and ${log.trailingBytes} bytes of a record cut off: ignored)` : ''}`);
  out(`calls: ${r.callsEntered} entered, ${r.callsCompleted} completed; table writes: ${r.writes}`);
  for (const [key, t] of r.tables) out(`  table ${key}: ${t.size} non-zero entries rebuilt`);
  for (const b of r.chainBreaks) {
    out(`  write chain broken at record ${b.record}: ${b.table}[${b.index}] held 0x${b.expectedOld.toString(16)}, the write says it held 0x${b.loggedOld.toString(16)}`);
  }
  if (r.recorded === null) {
    out('final tables: not in the log (the run did not finish); rebuilt the prefix it holds');
  } else {
    for (const mm of r.mismatches) {
      out(`  ${mm.table}[${mm.index}]: rebuilt 0x${mm.rebuilt.toString(16)}, recorded 0x${mm.recorded.toString(16)}`);
    }
    out(r.mismatches.length === 0 ? 'final tables: rebuilt bit for bit' : `final tables: ${r.mismatches.length} entries differ`);
  }
  if (r.host !== null) out(formatHostReplay(r.host));
  if (values.verify !== true) return r.chainBreaks.length === 0 ? 0 : 1;
  const ok = replayVerified(r);
  out(ok ? 'verify: OK' : 'verify: FAILED');
  return ok ? 0 : 1;
}

export function reportCommand(argv: string[], out: (line: string) => void): number {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('report needs exactly one log file (tcesim report LOG)');
  const path = positionals[0] as string;
  const log = openLog(path);
  const stats = new CallStats();
  stats.records(log.words, log.records);
  out(formatReport(describe(log, path), stats, { records: log.records }));
  const host = new HostRecordStats();
  host.records(log.words, log.records);
  if (host.seen) out(`\n${formatHostReport(host.summary())}`);
  return 0;
}
