/**
 * One line of a QEMU trace log -> a typed event. Strict on the `spapr_iommu_*` lines (every
 * field present, in QEMU's order, with a value of the right form) so a damaged or foreign
 * trace is refused where it goes wrong; lenient on everything else: lines of other trace
 * points and QEMU's own messages are skipped, and the `PID@SECONDS.MICROS:` prefix QEMU's log
 * backend adds when timestamps are on is dropped.
 */
import {
  isPciLiobn, TRACE_EVENT_PREFIX, type QemuTraceEvent, type TraceDdwEvent, type TraceHcallEvent, type TraceNewTable,
} from './trace-events.js';

const U64_MAX = 0xffffffffffffffffn;
const HEX = /^0x[0-9a-fA-F]+$/;
const DEC = /^-?\d{1,19}$/;
const TIMESTAMP_PREFIX = /^\d+@\d+\.\d+:/;

/** Events QEMU has that carry nothing for the hcall stream: recognised and passed over. */
const OTHER_EVENTS: ReadonlySet<string> = new Set(['xlate', 'pre_save', 'post_load']);

type FieldKind = 'hex' | 'u32' | 'dec';

/** Field names and kinds of each key=value event, in QEMU's order (an hcall's LIOBN is u64: its r4 as passed). */
const FIELDS = {
  put: [['liobn', 'hex'], ['ioba', 'hex'], ['tce', 'hex'], ['ret', 'dec']],
  get: [['liobn', 'hex'], ['ioba', 'hex'], ['ret', 'dec'], ['tce', 'hex']],
  indirect: [['liobn', 'hex'], ['ioba', 'hex'], ['tcelist', 'hex'], ['iobaN', 'hex'], ['tceN', 'hex'], ['ret', 'dec']],
  stuff: [['liobn', 'hex'], ['ioba', 'hex'], ['tcevalue', 'hex'], ['npages', 'dec'], ['ret', 'dec']],
  new_table: [['liobn', 'u32'], ['table', 'hex'], ['fd', 'dec']],
} as const satisfies Record<string, readonly (readonly [string, FieldKind])[]>;

const NUM = '(0x[0-9a-fA-F]+|\\d+)';
const DDW_QUERY = new RegExp(`^buid=${NUM} addr=${NUM}, (\\d+) windows available, max window size=${NUM}, mask=${NUM}$`);
const DDW_CREATE = new RegExp(`^buid=${NUM} addr=${NUM}, page size=${NUM}, requested=${NUM}, start addr=${NUM}, liobn=${NUM}$`);
const DDW_REMOVE = new RegExp(`^liobn=${NUM}$`);
const DDW_RESET = new RegExp(`^buid=${NUM} addr=${NUM}$`);
const DDW_FORMS: Readonly<Record<TraceDdwEvent['kind'], string>> = {
  ddw_query: 'buid=… addr=…, N windows available, max window size=…, mask=…',
  ddw_create: 'buid=… addr=…, page size=…, requested=…, start addr=…, liobn=…',
  ddw_remove: 'liobn=…',
  ddw_reset: 'buid=… addr=…',
};

function hexValue(event: string, key: string, text: string): bigint {
  if (!HEX.test(text)) throw new RangeError(`${event}: ${key} ${JSON.stringify(text)} is not a hex number (0x…)`);
  const v = BigInt(text);
  if (v > U64_MAX) throw new RangeError(`${event}: ${key} ${text} does not fit in 64 bits`);
  return v;
}

function u32Value(event: string, key: string, text: string): number {
  const v = hexValue(event, key, text);
  if (v > 0xffffffffn) throw new RangeError(`${event}: ${key} ${text} does not fit in 32 bits`);
  return Number(v);
}

function decValue(event: string, key: string, text: string): number {
  const v = DEC.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v)) throw new RangeError(`${event}: ${key} ${JSON.stringify(text)} is not a signed decimal number`);
  return v;
}

/** The values of a key=value event, checked against its field list. */
function fieldValues(event: string, rest: string, fields: readonly (readonly [string, FieldKind])[]): (bigint | number)[] {
  const items = rest === '' ? [] : rest.split(' ');
  const form = fields.map(([k]) => k).join(' ');
  if (items.length !== fields.length) {
    throw new RangeError(`${event}: expected ${fields.length} fields (${form}), got ${items.length}`);
  }
  return fields.map(([key, kind], i) => {
    const item = items[i] as string;
    const eq = item.indexOf('=');
    if (eq < 0 || item.slice(0, eq) !== key) {
      throw new RangeError(`${event}: field ${i + 1} is ${JSON.stringify(item)}, expected ${key}=… (fields: ${form})`);
    }
    const text = item.slice(eq + 1);
    return kind === 'hex' ? hexValue(event, key, text) : kind === 'u32' ? u32Value(event, key, text) : decValue(event, key, text);
  });
}

function hcallEvent(kind: TraceHcallEvent['kind'], pci: boolean, event: string, rest: string): TraceHcallEvent {
  const v = fieldValues(event, rest, FIELDS[kind]);
  // The LIOBN is the hcall's 64-bit r4 as QEMU prints it: low and high 32 bits apart, as the byte path gives them.
  const full = v[0] as bigint;
  const liobn = Number(full & 0xffffffffn);
  const liobnHi = Number(full >> 32n);
  if (isPciLiobn(liobn) !== pci) {
    throw new RangeError(`${event}: liobn 0x${full.toString(16)} ${pci ? 'is not' : 'is'} a PCI LIOBN (bit 31), so QEMU would print ${pci ? event.replace('_pci_', '_') : event.replace('spapr_iommu_', 'spapr_iommu_pci_')}`);
  }
  switch (kind) {
    case 'put': return { kind, pci, liobn, liobnHi, ioba: v[1] as bigint, tce: v[2] as bigint, ret: v[3] as number };
    case 'get': return { kind, pci, liobn, liobnHi, ioba: v[1] as bigint, ret: v[2] as number, tce: v[3] as bigint };
    case 'indirect':
      return { kind, pci, liobn, liobnHi, ioba: v[1] as bigint, tceList: v[2] as bigint, iobaN: v[3] as bigint, tceN: v[4] as bigint, ret: v[5] as number };
    case 'stuff': return { kind, pci, liobn, liobnHi, ioba: v[1] as bigint, tceValue: v[2] as bigint, npages: v[3] as number, ret: v[4] as number };
    default: {
      const never: never = kind;
      throw new Error(`unknown hcall event ${String(never)}`);
    }
  }
}

function newTableEvent(event: string, rest: string): TraceNewTable {
  const v = fieldValues(event, rest, FIELDS.new_table);
  return { kind: 'new_table', liobn: v[0] as number, table: v[1] as bigint, fd: v[2] as number };
}

function u32Of(event: string, key: string, v: bigint): number {
  if (v > 0xffffffffn) throw new RangeError(`${event}: ${key} 0x${v.toString(16)} does not fit in 32 bits`);
  return Number(v);
}

function ddwEvent(kind: TraceDdwEvent['kind'], event: string, rest: string): TraceDdwEvent {
  const re = kind === 'ddw_query' ? DDW_QUERY : kind === 'ddw_create' ? DDW_CREATE : kind === 'ddw_remove' ? DDW_REMOVE : DDW_RESET;
  const m = re.exec(rest);
  if (m === null) throw new RangeError(`${event}: expected "${DDW_FORMS[kind]}", got ${JSON.stringify(rest)}`);
  // QEMU prints these numbers in hex; decimal is taken too.
  const n = m.slice(1).map((s) => BigInt(s));
  for (const [i, v] of n.entries()) {
    if (v > U64_MAX) throw new RangeError(`${event}: value ${m[i + 1]} does not fit in 64 bits`);
  }
  switch (kind) {
    case 'ddw_query':
      return {
        kind, buid: n[0] as bigint, addr: u32Of(event, 'addr', n[1] as bigint), windowsAvailable: u32Of(event, 'windows', n[2] as bigint),
        maxWindowSize: n[3] as bigint, mask: u32Of(event, 'mask', n[4] as bigint),
      };
    case 'ddw_create':
      return {
        kind, buid: n[0] as bigint, addr: u32Of(event, 'addr', n[1] as bigint), pageSize: n[2] as bigint, requested: n[3] as bigint,
        startAddr: n[4] as bigint, liobn: u32Of(event, 'liobn', n[5] as bigint),
      };
    case 'ddw_remove': return { kind, liobn: u32Of(event, 'liobn', n[0] as bigint) };
    case 'ddw_reset': return { kind, buid: n[0] as bigint, addr: u32Of(event, 'addr', n[1] as bigint) };
    default: {
      const never: never = kind;
      throw new Error(`unknown ddw event ${String(never)}`);
    }
  }
}

const HCALL_SUFFIXES: ReadonlySet<string> = new Set(['put', 'get', 'indirect', 'stuff']);
const DDW_SUFFIXES: ReadonlySet<string> = new Set(['ddw_query', 'ddw_create', 'ddw_remove', 'ddw_reset']);

/**
 * Parse one line (without its line break). Answers null for a line that is not a
 * `spapr_iommu_*` event (blank, another trace point, a QEMU message); throws a RangeError
 * naming the problem for a `spapr_iommu_*` line that does not have QEMU's form.
 */
export function parseTraceLine(raw: string): QemuTraceEvent | null {
  const line = raw.replace(TIMESTAMP_PREFIX, '');
  if (!line.startsWith(TRACE_EVENT_PREFIX)) return null;
  const space = line.indexOf(' ');
  const event = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? '' : line.slice(space + 1);
  let suffix = event.slice(TRACE_EVENT_PREFIX.length);
  const pci = suffix.startsWith('pci_');
  if (pci) suffix = suffix.slice(4);
  if (HCALL_SUFFIXES.has(suffix)) return hcallEvent(suffix as TraceHcallEvent['kind'], pci, event, rest);
  if (!pci && suffix === 'new_table') return newTableEvent(event, rest);
  if (!pci && DDW_SUFFIXES.has(suffix)) return ddwEvent(suffix as TraceDdwEvent['kind'], event, rest);
  if (!pci && OTHER_EVENTS.has(suffix)) return { kind: 'other', name: event, text: rest };
  throw new RangeError(`unknown event ${event} (known: spapr_iommu_[pci_]put, _get, _indirect, _stuff, spapr_iommu_new_table, _ddw_query, _ddw_create, _ddw_remove, _ddw_reset, _xlate, _pre_save, _post_load)`);
}
