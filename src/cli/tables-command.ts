/**
 * `tcesim tables LOG` and `tcesim tables --diff A B`: the final tables of a run from its event
 * log (every non-zero entry of every guest-view table, by bus address, and of every hardware
 * table), and the difference between two runs' final tables, so two modes or two builds can be
 * shown to end in the same state.
 */
import { tableKey, type TableKey } from '../events/replay.js';
import { readLog } from './log-commands.js';
import { parseCommandArgs } from './args.js';
import { UsageError } from './usage-error.js';

export const TABLES_HELP = `tcesim tables LOG
tcesim tables --diff LOG_A LOG_B

Prints the final tables of a run from its event log: for each guest-view table (by LIOBN) and
hardware table (by index) every non-zero entry, by bus address, with its TCE. The run records
its final tables when it ends; for a log cut short they are rebuilt from its writes (and said
so). With --diff, compares two logs' final tables entry by entry and prints every difference;
exit 0 when they are identical, 1 when they differ.`;

interface FinalTables {
  /** table key -> index -> value */
  readonly tables: ReadonlyMap<TableKey, ReadonlyMap<number, bigint>>;
  /** Geometry of each table as last created: its bus start and page shift. */
  readonly geometry: ReadonlyMap<TableKey, { busOffset: bigint; pageShift: number }>;
  /** Whether the run recorded them (false: rebuilt from a log cut short). */
  readonly recorded: boolean;
  /** Tables QEMU moved to userspace on a VFIO hotplug, with the mappings it replayed. */
  readonly moves: readonly { liobn: number; replayed: number }[];
}

function finalTables(path: string): FinalTables {
  // The one checking reader of every log command (src/events/log-check.ts), streamed.
  const geometry = new Map<TableKey, { busOffset: bigint; pageShift: number }>();
  const moves: { liobn: number; replayed: number }[] = [];
  const log = readLog(path, [], (events) => {
    for (const e of events) {
      if (e.type === 'table-created' && e.entries > 0) geometry.set(tableKey(e.table), { busOffset: e.busOffset, pageShift: e.pageShift });
      if (e.type === 'table-moved') moves.push({ liobn: e.liobn, replayed: e.replayed });
    }
  });
  const r = log.replay;
  return { tables: r.recorded ?? r.tables, geometry, recorded: r.recorded !== null, moves };
}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

function address(t: FinalTables, key: TableKey, index: number): string {
  const g = t.geometry.get(key);
  return g === undefined ? `[${index}]` : hex(g.busOffset + (BigInt(index) << BigInt(g.pageShift)));
}

/** Keys in a stable order: guest tables by LIOBN, then hardware tables by index. */
function sortedKeys(keys: Iterable<TableKey>): TableKey[] {
  const rank = (k: string): [number, number] => [k.startsWith('guest:') ? 0 : 1, Number.parseInt(k.slice(k.indexOf(':') + 3), 16)];
  return [...keys].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1];
  });
}

export function tablesCommand(argv: string[], out: (line: string) => void): number {
  const { values, positionals } = parseCommandArgs('tables', argv, { diff: { type: 'boolean' } });
  if (values.diff === true) {
    if (positionals.length !== 2) throw new UsageError('tables --diff needs two log files (tcesim tables --diff LOG_A LOG_B)');
    return diffCommand(positionals[0] as string, positionals[1] as string, out);
  }
  if (positionals.length !== 1) throw new UsageError('tables needs exactly one log file (tcesim tables LOG)');
  const path = positionals[0] as string;
  const t = finalTables(path);
  out(`${path}: final tables${t.recorded ? '' : ' (not recorded: the run did not finish; rebuilt from its writes)'}`);
  for (const key of sortedKeys(t.tables.keys())) {
    const entries = t.tables.get(key) as ReadonlyMap<number, bigint>;
    out(`${key.replace(':', ' ')}: ${entries.size} non-zero entries`);
    for (const index of [...entries.keys()].sort((a, b) => a - b)) out(`  ${address(t, key, index)} ${hex(entries.get(index) as bigint)}`);
  }
  for (const m of t.moves) out(`moved to userspace during the run: guest ${hex(m.liobn)}, ${m.replayed} mappings replayed`);
  return 0;
}

function diffCommand(a: string, b: string, out: (line: string) => void): number {
  const ta = finalTables(a);
  const tb = finalTables(b);
  let differ = 0;
  let entries = 0;
  const keys = sortedKeys(new Set([...ta.tables.keys(), ...tb.tables.keys()]));
  for (const key of keys) {
    const x = ta.tables.get(key);
    const y = tb.tables.get(key);
    if (x === undefined || y === undefined) {
      out(`${key.replace(':', ' ')}: only in ${x === undefined ? b : a}`);
      differ++;
      continue;
    }
    for (const index of [...new Set([...x.keys(), ...y.keys()])].sort((p, q) => p - q)) {
      entries++;
      const u = x.get(index) ?? 0n;
      const v = y.get(index) ?? 0n;
      if (u !== v) {
        out(`${key.replace(':', ' ')} ${address(ta, key, index)}: ${hex(u)} in ${a}, ${hex(v)} in ${b}`);
        differ++;
      }
    }
  }
  if (!ta.recorded || !tb.recorded) out('(a log without recorded final tables was rebuilt from its writes)');
  out(differ === 0 ? `final tables identical: ${keys.length} tables, ${entries} non-zero entries` : `final tables differ: ${differ} differences`);
  return differ === 0 ? 0 : 1;
}
