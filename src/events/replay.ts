/**
 * Rebuild every table from the log alone: start from empty tables, apply each write in log
 * order, and check as we go that each write's old value is what the table held (a lost or
 * reordered write breaks that chain). When the run recorded its final tables, compare the
 * rebuilt tables with them entry by entry.
 */
import { EventDecoder } from './decode.js';
import type { TableRef, TcesimEvent } from './events.js';
import { RECORD_WORDS, entryDigest } from './layout.js';

const U64 = 0xffffffffffffffffn;
const LO32 = 0xffffffffn;

export type TableKey = string;
export function tableKey(t: TableRef): TableKey {
  return `${t.kind}:0x${t.id.toString(16)}`;
}

/**
 * A write whose old value was not what the table held at that point of the log. For a FILL
 * record (a run of writes) `index` is the run's first entry and the old values are compared
 * as the sum of their entryDigest() values, with how many writes changed their entry (`run`).
 */
export interface ChainBreak {
  readonly record: number;
  readonly table: TableKey;
  readonly index: number;
  readonly expectedOld: bigint;
  readonly loggedOld: bigint;
  /** For a run of writes: the digests and changed counts compared, e.g. "digest 0x1234 changed 3". */
  readonly run?: { readonly expected: string; readonly logged: string };
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

/**
 * The replay as a record sink: feed it the log's records in order, a block at a time (it keeps
 * only the tables and the host's pins, never the records), then ask for the result. `onEvents`
 * sees every record's decoded events, for checks that ride along (src/events/log-check.ts).
 */
export class TableReplay {
  private readonly decoder = new EventDecoder();
  private readonly tables = new Map<TableKey, Map<number, bigint>>();
  private readonly recorded = new Map<TableKey, Map<number, bigint>>();
  private readonly chainBreaks: ChainBreak[] = [];
  private readonly events: TcesimEvent[] = [];
  private finished = false;
  private writes = 0;
  private entered = 0;
  private completed = 0;
  private readonly pins = new Map<bigint, number>();
  private hostSeen = false;
  private ioctls = 0;
  private pinned = 0;
  private locked = 0n;
  private underflow: number | null = null;
  private hostRecorded: { pinnedPages: number; lockedBytes: bigint } | null = null;
  /** Records seen so far. */
  count = 0;

  constructor(private readonly onEvents?: (events: readonly TcesimEvent[], record: number) => void) {}

  records(words: Int32Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const r = this.count++;
      const events = this.events;
      events.length = 0;
      this.decoder.decode(words, i * RECORD_WORDS, events);
      this.onEvents?.(events, r);
      for (const e of events) this.apply(e, r);
    }
  }

  private apply(e: TcesimEvent, r: number): void {
    switch (e.type) {
      case 'table-created':
        // A table (re)created starts empty; one with no entries was removed (a disabled DDW window).
        if (e.entries === 0) this.tables.delete(tableKey(e.table));
        else this.tables.set(tableKey(e.table), new Map());
        break;
      case 'hcall-entered':
        this.entered++;
        break;
      case 'hcall-completed':
        this.completed++;
        break;
      case 'table-write': {
        this.writes++;
        const key = tableKey(e.table);
        const t = tableFor(this.tables, key);
        const current = t.get(e.index) ?? 0n;
        if (current !== e.old && this.chainBreaks.length < MAX_REPORTED) {
          this.chainBreaks.push({ record: r, table: key, index: e.index, expectedOld: current, loggedOld: e.old });
        }
        if (e.value === 0n) t.delete(e.index);
        else t.set(e.index, e.value);
        break;
      }
      case 'table-fill': {
        this.writes += e.count;
        const key = tableKey(e.table);
        const t = tableFor(this.tables, key);
        let digest = 0;
        let changed = 0;
        let value = e.value;
        for (let k = 0; k < e.count; k++) {
          const index = e.index + k;
          const current = t.get(index) ?? 0n;
          digest = (digest + entryDigest(index, Number(current & LO32), Number(current >> 32n))) | 0;
          if (current !== value) changed++;
          if (value === 0n) t.delete(index);
          else t.set(index, value);
          value = (value + e.step) & U64;
        }
        if (((digest | 0) !== (e.oldDigest | 0) || changed !== e.changed) && this.chainBreaks.length < MAX_REPORTED) {
          this.chainBreaks.push({
            record: r, table: key, index: e.index, expectedOld: BigInt(digest >>> 0), loggedOld: BigInt(e.oldDigest >>> 0),
            run: { expected: `digest 0x${(digest >>> 0).toString(16)} changed ${changed}`, logged: `digest 0x${(e.oldDigest >>> 0).toString(16)} changed ${e.changed}` },
          });
        }
        break;
      }
      case 'final-entry':
        tableFor(this.recorded, tableKey(e.table)).set(e.index, e.value);
        break;
      case 'final-tables-end':
        this.finished = true;
        break;
      case 'host-ioctl':
        this.hostSeen = true;
        this.ioctls++;
        break;
      case 'host-memory': {
        this.hostSeen = true;
        if (e.op === 'pin' || e.op === 'unpin') {
          const n = (this.pins.get(e.value) ?? 0) + (e.op === 'pin' ? 1 : -1);
          if (n < 0 && this.underflow === null) this.underflow = r;
          if (n === 0) this.pins.delete(e.value);
          else this.pins.set(e.value, n);
          this.pinned += e.op === 'pin' ? 1 : -1;
        } else {
          this.locked += e.op === 'charge' ? e.value : -e.value;
          if (this.locked < 0n && this.underflow === null) this.underflow = r;
        }
        break;
      }
      case 'host-final':
        this.hostSeen = true;
        this.hostRecorded = { pinnedPages: e.pinnedPages, lockedBytes: e.lockedBytes };
        break;
      default:
        break;
    }
  }

  result(): ReplayResult {
    const mismatches: EntryMismatch[] = [];
    if (this.finished) {
      const keys = new Set([...this.tables.keys(), ...this.recorded.keys()]);
      for (const key of keys) {
        const a = this.tables.get(key) ?? new Map<number, bigint>();
        const b = this.recorded.get(key) ?? new Map<number, bigint>();
        for (const index of new Set([...a.keys(), ...b.keys()])) {
          const x = a.get(index) ?? 0n;
          const y = b.get(index) ?? 0n;
          if (x !== y && mismatches.length < MAX_REPORTED) mismatches.push({ table: key, index, rebuilt: x, recorded: y });
        }
      }
    }
    return {
      records: this.count, writes: this.writes, callsEntered: this.entered, callsCompleted: this.completed, tables: this.tables,
      chainBreaks: this.chainBreaks, recorded: this.finished ? this.recorded : null, mismatches,
      host: this.hostSeen ? { ioctls: this.ioctls, pinnedPages: this.pinned, lockedBytes: this.locked, underflow: this.underflow, recorded: this.hostRecorded } : null,
    };
  }
}

function tableFor(m: Map<TableKey, Map<number, bigint>>, key: TableKey): Map<number, bigint> {
  let t = m.get(key);
  if (t === undefined) m.set(key, (t = new Map<number, bigint>()));
  return t;
}

/** Replay records held in memory (tests, in-process runs). */
export function replayRecords(words: Int32Array, records: number): ReplayResult {
  const replay = new TableReplay();
  replay.records(words, records);
  return replay.result();
}

/** True when the log rebuilds its recorded final tables bit for bit with an unbroken write chain. */
export function replayVerified(r: ReplayResult): boolean {
  const h = r.host;
  const hostOk = h === null || (h.underflow === null && (h.recorded === null || (h.recorded.pinnedPages === h.pinnedPages && h.recorded.lockedBytes === h.lockedBytes)));
  return r.recorded !== null && r.chainBreaks.length === 0 && r.mismatches.length === 0 && hostOk;
}
