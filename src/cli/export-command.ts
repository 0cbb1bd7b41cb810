/** `tcesim export LOG --chrome FILE [--limit N]`: a run's timeline for Perfetto (docs/timeline.md). */
import { LogFormatError } from '../events/decode.js';
import { isSystemError, OutputWriteError, systemErrorText } from '../events/write-error.js';
import { exportCheckedChromeTrace, type ChromeExportResult } from '../export/chrome-export.js';
import { parseCommandArgs } from './args.js';
import { checkOutputs, writesStdout } from './output-paths.js';
import { recordProgress } from './progress.js';
import { UsageError } from './usage-error.js';

export const EXPORT_HELP = `tcesim export LOG --chrome FILE [--limit N]

Writes the run in the event log LOG as Chrome Trace Event JSON to FILE, for
https://ui.perfetto.dev (Open trace file) or chrome://tracing. One track per vCPU holds a span per
call and the real-mode tier; each pool worker and the main thread have a track per vCPU they
served, holding the tiers they ran. Escalations and retries are instants. The timeline is the
modelled one (each vCPU's modelled clock, reproducible for a seed); wall-clock durations of calls
that left their vCPU are in the calls' arguments. The log is streamed: any size will do.

  --chrome FILE   where to write the JSON (created or overwritten)
  --limit N       only the first N calls the log enters (for a quick look at a huge log)

See docs/timeline.md.`;

function parseLimit(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--limit ${JSON.stringify(value)} is not a positive integer`);
  }
  return Number(value);
}

function summary(path: string, r: ChromeExportResult): string[] {
  const n = (x: number): string => x.toLocaleString('en-US');
  const of = (x: number, what: string): string => `${n(x)} ${what}${x === 1 ? '' : 's'}`;
  const escalations = Object.values(r.escalations).reduce((a, b) => a + b, 0);
  const retries = r.retries === 1 ? '1 retry' : `${n(r.retries)} retries`;
  const lines = [
    `${path}: ${of(r.calls, 'call')}, ${of(r.tierSpans, 'tier span')}, ${of(escalations, 'escalation')}, ${retries} `
      + `on ${of(r.tracks, 'track')} (${of(r.traceEvents, 'trace event')}; modelled clock)`,
  ];
  for (const [reason, count] of Object.entries(r.escalations).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    lines.push(`  escalate: ${reason.padEnd(22)} ${n(count)}`);
  }
  if (r.incomplete > 0) lines.push(`${of(r.incomplete, 'call')} entered but never completed in the log (a killed run): not drawn`);
  return lines;
}

export function exportCommand(argv: string[], stdout: (line: string) => void, err: (line: string) => void): number {
  const { values, positionals } = parseCommandArgs('export', argv, { chrome: { type: 'string' }, limit: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('export needs exactly one log file (tcesim export LOG --chrome FILE)');
  const logPath = positionals[0] as string;
  const chrome = values.chrome;
  if (chrome === undefined || chrome === '') throw new UsageError('export needs --chrome FILE: where to write the Chrome Trace Event JSON');
  const limit = parseLimit(values.limit);
  checkOutputs([{ option: '--chrome', path: chrome }], [{ option: 'LOG', path: logPath, what: 'the log being exported' }]);
  // `--chrome /dev/stdout | jq`: the summary goes to stderr, so stdout holds the JSON alone.
  const out = writesStdout([chrome]) ? err : stdout;
  let r: ChromeExportResult;
  let unfinished: string | null;
  try {
    const done = exportCheckedChromeTrace(logPath, chrome, { limit }, recordProgress(process.stderr, logPath));
    r = done.result;
    unfinished = done.log.unfinished;
  } catch (e) {
    if (e instanceof LogFormatError) throw new UsageError(e.message);
    if (e instanceof OutputWriteError) throw e;
    if (isSystemError(e)) throw new UsageError(`cannot read log ${logPath}: ${systemErrorText(e)}`);
    throw e;
  }
  for (const line of summary(chrome, r)) out(line);
  if (unfinished !== null) out(`unfinished: ${unfinished}; the trace shows what the log holds`);
  return 0;
}
