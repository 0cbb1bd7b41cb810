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

/** The host rebuilt from its records (pins per page, locked bytes), and what the run recorded at its end. */
export interface HostReplay {
  readonly ioctls: number;
  readonly pinnedPages: number;
  readonly lockedBytes: bigint;
  /** A page released more often than pinned, or a refund beyond the charge: the first such record. */
  readonly underflow: number | null;
  readonly recorded: { readonly pinnedPages: number; readonly lockedBytes: bigint } | null;
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
  /** The host side, when the log has host records (a run with passed-through devices); else null. */
  readonly host: HostReplay | null;
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
  const pins = new Map<bigint, number>();
  let hostSeen = false;
  let ioctls = 0;
  let pinned = 0;
  let locked = 0n;
  let underflow: number | null = null;
  let hostRecorded: { pinnedPages: number; lockedBytes: bigint } | null = null;
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
          // A table (re)created starts empty; one with no entries was removed (a disabled DDW window).
          if (e.entries === 0) tables.delete(tableKey(e.table));
          else tables.set(tableKey(e.table), new Map());
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
        case 'host-ioctl':
          hostSeen = true;
          ioctls++;
          break;
        case 'host-memory': {
          hostSeen = true;
          if (e.op === 'pin' || e.op === 'unpin') {
            const n = (pins.get(e.value) ?? 0) + (e.op === 'pin' ? 1 : -1);
            if (n < 0 && underflow === null) underflow = r;
            if (n === 0) pins.delete(e.value);
            else pins.set(e.value, n);
            pinned += e.op === 'pin' ? 1 : -1;
          } else {
            locked += e.op === 'charge' ? e.value : -e.value;
            if (locked < 0n && underflow === null) underflow = r;
          }
          break;
        }
        case 'host-final':
          hostSeen = true;
          hostRecorded = { pinnedPages: e.pinnedPages, lockedBytes: e.lockedBytes };
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
    host: hostSeen ? { ioctls, pinnedPages: pinned, lockedBytes: locked, underflow, recorded: hostRecorded } : null,
  };
}

/** True when the log rebuilds its recorded final tables bit for bit with an unbroken write chain. */
export function replayVerified(r: ReplayResult): boolean {
  const h = r.host;
  const hostOk = h === null || (h.underflow === null && (h.recorded === null || (h.recorded.pinnedPages === h.pinnedPages && h.recorded.lockedBytes === h.lockedBytes)));
  return r.recorded !== null && r.chainBreaks.length === 0 && r.mismatches.length === 0 && hostOk;
}
