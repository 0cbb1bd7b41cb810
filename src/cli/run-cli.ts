import { VectorError } from '../conformance/values.js';
import { CONFORMANCE_HELP, conformanceCommand } from './conformance-command.js';
import { BUNDLED_VECTORS } from './paths.js';
import { UsageError } from './usage-error.js';

const HELP = `tcesim — a simulator of the POWER sPAPR TCE hypercall pipeline

Usage:
  tcesim conformance PATH...   run conformance vectors (files or folders)
  tcesim start                 the default job: the bundled conformance vectors
  tcesim help [COMMAND]        this text, or a command's

${CONFORMANCE_HELP}`;

/** Runs a command line and returns its exit code; never throws. */
export function runCli(argv: string[], out: (line: string) => void, err: (line: string) => void): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'conformance':
        return conformanceCommand(rest, out);
      case 'start':
        if (rest.length > 0) throw new UsageError(`start takes no arguments, got ${rest.join(' ')}`);
        return conformanceCommand([BUNDLED_VECTORS], out);
      case 'help':
      case '--help':
      case '-h':
        out(rest[0] === 'conformance' ? CONFORMANCE_HELP : HELP);
        return 0;
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
      err(`tcesim: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
