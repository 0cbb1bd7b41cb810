/**
 * Command-line conventions shared by every command: `--opt -1` is the value -1 (node:util's
 * parseArgs would take "-1" for an option and print its own advice), and `--help` / `-h`
 * anywhere asks for the command's help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Join `--name VALUE` into `--name=VALUE` when VALUE is a negative number, for options that take a value. */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name !== null && !name.includes('=') && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/**
 * An option that takes one value, given twice with different values (`--calls 10 --calls 20`,
 * `--threshold 5% --threshold 50%`): parseArgs would keep the last silently, which can turn
 * a CI gate off or write a file the user did not expect; refuse it instead.
 */
function refuseRepeats(command: string, tokens: readonly { kind: string; name?: string; value?: string | undefined; rawName?: string }[], options: Options): void {
  const seen = new Map<string, string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined || t.value === undefined) continue;
    const o = options[t.name];
    if (o === undefined || o.type !== 'string' || o.multiple === true) continue;
    const before = seen.get(t.name);
    if (before !== undefined && before !== t.value) {
      throw new UsageError(`${command}: --${t.name} is given twice (${JSON.stringify(before)} and ${JSON.stringify(t.value)}): give it once`);
    }
    seen.set(t.name, t.value);
  }
}

/** parseArgs with the conventions above; a parse problem is a UsageError of one line. */
export function parseCommandArgs<T extends Options>(command: string, argv: readonly string[], options: T, help = `see tcesim help ${command}`): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    const parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true, tokens: true });
    refuseRepeats(command, parsed.tokens, options);
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (e) {
    if (e instanceof TypeError && 'code' in e && typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      // Node's text spans lines and suggests quoting; keep its first sentence, name the command.
      const first = e.message.split('\n')[0]?.replace(/\. To specify a positional argument.*$/, '') ?? e.message;
      throw new UsageError(`${command}: ${first} (${help})`);
    }
    throw e;
  }
}

/** Whether the arguments ask for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
