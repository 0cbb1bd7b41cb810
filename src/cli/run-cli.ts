import { VectorError } from '../conformance/values.js';
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

type Out = (line: string) => void;
/** A command: its help text and what runs it. */
interface Command {
  readonly help: string;
  readonly run: (rest: string[], out: Out, err: Out) => number | Promise<number>;
}

/**
 * Each command's module is imported when that command (or its help) is asked for, never
 * before: a command loads only what it needs (`tcesim run` neither the benchmarks nor the
 * gain report's charts), so a short command is not kept waiting on the start-up of the others.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => { const m = await import('./run-command.js'); return { help: m.RUN_HELP, run: m.runCommand }; },
  gain: async () => { const m = await import('./gain-command.js'); return { help: m.GAIN_HELP, run: m.gainCommand }; },
  replay: async () => { const m = await import('./log-commands.js'); return { help: m.REPLAY_HELP, run: (rest, out) => m.replayCommand(rest, out) }; },
  report: async () => { const m = await import('./log-commands.js'); return { help: m.REPORT_HELP, run: (rest, out) => m.reportCommand(rest, out) }; },
  export: async () => { const m = await import('./export-command.js'); return { help: m.EXPORT_HELP, run: m.exportCommand }; },
  bench: async () => { const m = await import('./bench-command.js'); return { help: m.BENCH_HELP, run: (rest, out) => m.benchCommand(rest, out) }; },
  compare: async () => { const m = await import('./compare-command.js'); return { help: m.COMPARE_HELP, run: (rest, out) => m.compareCommand(rest, out) }; },
  conformance: async () => { const m = await import('./conformance-command.js'); return { help: m.CONFORMANCE_HELP, run: (rest, out) => m.conformanceCommand(rest, out) }; },
  start: () => Promise.resolve({
    help: START_HELP,
    run: async (rest, out) => {
      if (rest.length > 0) throw new UsageError(`start takes no arguments, got ${rest.join(' ')}`);
      return (await import('./gain-command.js')).gainCommand([], out);
    },
  }),
  pamu: async () => { const m = await import('./pamu-command.js'); return { help: m.PAMU_HELP, run: (rest, out) => m.pamuCommand(rest, out) }; },
  tables: async () => { const m = await import('./tables-command.js'); return { help: m.TABLES_HELP, run: (rest, out) => m.tablesCommand(rest, out) }; },
};

/** The loader of command `name`, if there is one (never an Object.prototype member). */
function commandOf(name: string | undefined): (() => Promise<Command>) | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

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
    const load = commandOf(command);
    if (load !== undefined) {
      const c = await load();
      if (wantsHelp(rest)) {
        out(c.help);
        return 0;
      }
      return await c.run(rest, out, err);
    }
    switch (command) {
      case '--version':
      case '-V':
      case 'version':
        if (rest.length > 0) throw new UsageError(`--version takes no arguments, got ${rest.join(' ')}`);
        out(`tcesim ${version()}`);
        return 0;
      case 'help':
      case '--help':
      case '-h': {
        if (rest.length > 1) throw new UsageError(`help takes one command at most, got ${rest.join(' ')}`);
        const topic = rest[0];
        const loadTopic = commandOf(topic);
        if (topic !== undefined && loadTopic === undefined) throw new UsageError(`no help on '${topic}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
        out(loadTopic === undefined ? HELP : (await loadTopic()).help);
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
