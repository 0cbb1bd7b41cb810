import { VectorError } from '../conformance/values.js';
import { BENCH_HELP, benchCommand } from './bench-command.js';
import { COMPARE_HELP, compareCommand } from './compare-command.js';
import { EXPORT_HELP, exportCommand } from './export-command.js';
import { GAIN_HELP, gainCommand } from './gain-command.js';
import { CONFORMANCE_HELP, conformanceCommand } from './conformance-command.js';
import { PAMU_HELP, pamuCommand } from './pamu-command.js';
import { REPLAY_HELP, REPORT_HELP, replayCommand, reportCommand } from './log-commands.js';
import { RUN_HELP, runCommand } from './run-command.js';
import { TABLES_HELP, tablesCommand } from './tables-command.js';
import { readFileSync } from 'node:fs';
import { isSystemError, OutputWriteError, systemErrorText } from '../events/write-error.js';
import { wantsHelp } from './args.js';
import { UsageError } from './usage-error.js';

const HELP = `tcesim — a simulator of the POWER sPAPR TCE hypercall pipeline

Usage:
  tcesim gain [options]        what in-kernel handling buys: the same workload on every machine,
                               with the held-out published figures beside the predictions
  tcesim start                 the default job: tcesim gain with its defaults
  tcesim run [options]         run a workload on the threaded pipeline and print the report
  tcesim replay LOG [--verify] rebuild the tables from an event log and check them
  tcesim report LOG            the report of a run, from its event log
  tcesim tables LOG            the final tables of a run (tables --diff A B: two runs' differences)
  tcesim export LOG --chrome F a timeline of the run for Perfetto / chrome://tracing
  tcesim bench [--quick] [--json FILE] [--filter REGEX]
                               benchmarks: real mode per hcall, pipeline per mode and workload,
                               bare limits, acceleration gain, escalation profile
  tcesim compare BASE NEW [--threshold 5%]
                               regression verdict between two bench --json files
                               (exit 1: slower, or the escalation profile changed)
  tcesim conformance PATH...   run conformance vectors (files or folders)
  tcesim pamu [LAYOUT.json]    a Freescale PAMU window IOMMU behind a VFIO container, as seed
                               001's table (default: the seed's 8-window example)
  tcesim help [COMMAND]        this text, or a command's (also: tcesim COMMAND --help)
  tcesim --version             the version

Exit codes: 0 done; 1 a failure the command reports (a regression, a failed replay, an output
that could not be written, an unfinished log); 2 misuse or bad input; 130/143/129 a run stopped by
SIGINT/SIGTERM/SIGHUP (its report is printed, marked unfinished).`;

const START_HELP = `tcesim start

The default job, what npm start runs: tcesim gain with its defaults (see tcesim help gain).`;

const HELPS: Readonly<Record<string, string>> = {
  run: RUN_HELP, gain: GAIN_HELP, replay: REPLAY_HELP, report: REPORT_HELP, export: EXPORT_HELP, bench: BENCH_HELP, compare: COMPARE_HELP,
  conformance: CONFORMANCE_HELP, start: START_HELP,
  pamu: PAMU_HELP,
  tables: TABLES_HELP,
};

/** The package's version, from package.json beside dist/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/**
 * A message as one printable line: messages can quote a file's bytes (JSON.parse's text quotes
 * the start of a binary file given as JSON), and a newline, a NUL or a terminal escape in them
 * would break the one-line rule or the user's terminal. Control characters become \xNN.
 */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Runs a command line and returns its exit code; misuse is one line on err and exit code 2. */
export async function runCli(argv: string[], out: (line: string) => void, errLine: (line: string) => void): Promise<number> {
  const err = (line: string): void => errLine(oneLine(line));
  const [command, ...rest] = argv;
  try {
    if (command !== undefined && HELPS[command] !== undefined && wantsHelp(rest)) {
      out(HELPS[command]);
      return 0;
    }
    switch (command) {
      case 'conformance':
        return conformanceCommand(rest, out);
      case 'pamu':
        return pamuCommand(rest, out);
      case 'run':
        return await runCommand(rest, out, err);
      case '--version':
      case '-V':
      case 'version':
        if (rest.length > 0) throw new UsageError(`--version takes no arguments, got ${rest.join(' ')}`);
        out(`tcesim ${version()}`);
        return 0;
      case 'start':
        if (rest.length > 0) throw new UsageError(`start takes no arguments, got ${rest.join(' ')}`);
        return await gainCommand([], out);
      case 'gain':
        return await gainCommand(rest, out, err);
      case 'replay':
        return replayCommand(rest, out);
      case 'report':
        return reportCommand(rest, out);
      case 'tables':
        return tablesCommand(rest, out);
      case 'export':
        return exportCommand(rest, out, err);
      case 'bench':
        return await benchCommand(rest, out);
      case 'compare':
        return compareCommand(rest, out);
      case 'help':
      case '--help':
      case '-h': {
        if (rest.length > 1) throw new UsageError(`help takes one command at most, got ${rest.join(' ')}`);
        const topic = rest[0];
        if (topic !== undefined && HELPS[topic] === undefined) throw new UsageError(`no help on '${topic}' (commands: ${Object.keys(HELPS).join(', ')})`);
        out(topic === undefined ? HELP : (HELPS[topic] as string));
        return 0;
      }
      case undefined:
        err('tcesim: no command given (try: tcesim help)');
        return 2;
      default:
        throw new UsageError(`unknown command '${command}' (try: tcesim help)`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof VectorError) {
      err(`tcesim: ${e.message}`);
      return 2;
    }
    if (e instanceof TypeError && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      err(`tcesim: ${e.message.split('\n')[0] ?? e.message}`);
      return 2;
    }
    // An output that could not be written, or any other system error: one line, never a stack trace.
    if (e instanceof OutputWriteError) {
      err(`tcesim: ${e.message}`);
      return 1;
    }
    // A thread the run needs could not start (ulimit -v or -u, a host out of memory): say so, not "internal error: EAGAIN".
    if (e instanceof Error && 'code' in e && e.code === 'ERR_WORKER_INIT_FAILED') {
      err(`tcesim: cannot start a worker thread: ${systemErrorText({ code: e.message })}: the process is short of memory or threads (ulimit -v, ulimit -u); fewer --vcpus or --pool-threads, or --inline, need fewer`);
      return 1;
    }
    if (isSystemError(e)) {
      err(`tcesim: ${e.syscall ?? 'error'}${e.path !== undefined ? ` ${e.path}` : ''}: ${systemErrorText(e)}`);
      return 1;
    }
    // A bug: one line, the stack only when asked for.
    err(`tcesim: internal error: ${e instanceof Error ? e.message : String(e)} (TCESIM_DEBUG=1 shows where)`);
    if (process.env['TCESIM_DEBUG'] === '1' && e instanceof Error && e.stack !== undefined) errLine(e.stack);
    return 1;
  }
}
