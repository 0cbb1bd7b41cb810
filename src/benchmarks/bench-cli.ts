/**
 * Argument handling for the developer bench scripts (bench/*.bench.ts): a bad flag or value ends
 * the script with one line naming it and exit 2, as tcesim's own commands do, not a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Print `script: message` and exit 2 (misuse). */
export function benchUsageExit(script: string, message: string): never {
  process.stderr.write(`${script}: ${message}\n`);
  process.exit(2);
}

/** node:util's parseArgs, with its errors (unknown option, missing value) turned into benchUsageExit. */
export function benchArgs<T extends ParseArgsConfig>(script: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    // Node's messages can run to three lines; the first names the option.
    const message = e instanceof Error ? e.message : String(e);
    return benchUsageExit(script, message.split('\n')[0] ?? message);
  }
}
