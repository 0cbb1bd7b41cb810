/**
 * Rebuild every table from the log alone: start from empty tables, apply each write in log
 * order, and check as we go that each write's old value is what the table held (a lost or
 * reordered write breaks that chain). When the run recorded its final tables, compare the
 * rebuilt tables with them entry by entry.
 */
import { EventDecoder } from './decode.js';
import type { TableRef, TcesimEvent } from './events.js';
import { RECORD_WORDS } from './layout.js';

export type TableKey = string;
export function tableKey(t: TableRef): TableKey {
  return `${t.kind}:0x${t.id.toString(16)}`;
}

/** A write whose old value was not what the table held at that point of the log. */
export interface ChainBreak {
  readonly record: number;
  readonly table: TableKey;
  readonly index: number;
  readonly expectedOld: bigint;
  readonly loggedOld: bigint;
}

export interface EntryMismatch {
  readonly table: TableKey;
  readonly index: number;
  readonly rebuilt: bigint;
  readonly recorded: bigint;
}

export interface ReplayResult {
  readonly records: number;
  readonly writes: number;
  readonly callsEntered: number;
  readonly callsCompleted: number;
  /** Non-zero entries of every table, rebuilt from the writes. */
  readonly tables: ReadonlyMap<TableKey, ReadonlyMap<number, bigint>>;
  readonly chainBreaks: readonly ChainBreak[];
  /** The final tables the run recorded, or null when the log ends before them (killed run). */
  readonly recorded: ReadonlyMap<TableKey, ReadonlyMap<number, bigint>> | null;
  readonly mismatches: readonly EntryMismatch[];
}

const MAX_REPORTED = 100;

export function replayRecords(words: Int32Array, records: number): ReplayResult {
  const decoder = new EventDecoder();
  const tables = new Map<TableKey, Map<number, bigint>>();
  const recorded = new Map<TableKey, Map<number, bigint>>();
  const chainBreaks: ChainBreak[] = [];
  let finished = false;
  let writes = 0;
  let entered = 0;
  let completed = 0;
  const events: TcesimEvent[] = [];
  const tableFor = (m: Map<TableKey, Map<number, bigint>>, key: TableKey): Map<number, bigint> => {
    let t = m.get(key);
    if (t === undefined) m.set(key, (t = new Map()));
    return t;
  };
  for (let r = 0; r < records; r++) {
    events.length = 0;
    decoder.decode(words, r * RECORD_WORDS, events);
    for (const e of events) {
      switch (e.type) {
        case 'table-created':
          tableFor(tables, tableKey(e.table));
          break;
        case 'hcall-entered':
          entered++;
          break;
        case 'hcall-completed':
          completed++;
          break;
        case 'table-write': {
          writes++;
          const key = tableKey(e.table);
          const t = tableFor(tables, key);
          const current = t.get(e.index) ?? 0n;
          if (current !== e.old && chainBreaks.length < MAX_REPORTED) {
            chainBreaks.push({ record: r, table: key, index: e.index, expectedOld: current, loggedOld: e.old });
          }
          if (e.value === 0n) t.delete(e.index);
          else t.set(e.index, e.value);
          break;
        }
        case 'final-entry':
          tableFor(recorded, tableKey(e.table)).set(e.index, e.value);
          break;
        case 'final-tables-end':
          finished = true;
          break;
        default:
          break;
      }
    }
  }
  const mismatches: EntryMismatch[] = [];
  if (finished) {
    const keys = new Set([...tables.keys(), ...recorded.keys()]);
    for (const key of keys) {
      const a = tables.get(key) ?? new Map<number, bigint>();
      const b = recorded.get(key) ?? new Map<number, bigint>();
      for (const index of new Set([...a.keys(), ...b.keys()])) {
        const x = a.get(index) ?? 0n;
        const y = b.get(index) ?? 0n;
        if (x !== y && mismatches.length < MAX_REPORTED) mismatches.push({ table: key, index, rebuilt: x, recorded: y });
      }
    }
  }
  return {
    records, writes, callsEntered: entered, callsCompleted: completed, tables, chainBreaks,
    recorded: finished ? recorded : null, mismatches,
  };
}

/** True when the log rebuilds its recorded final tables bit for bit with an unbroken write chain. */
export function replayVerified(r: ReplayResult): boolean {
  return r.recorded !== null && r.chainBreaks.length === 0 && r.mismatches.length === 0;
}
