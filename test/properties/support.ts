/**
 * Shared pieces of the property tests: the SPEC's numbers, 64-bit edge values, generators
 * around a table's window, table comparison and failure messages in hex. From src/ only the
 * memory layout (to find a table's words) and names (for messages) are used: the expected
 * behaviour lives in each test's own model, written from /work/shared/SPEC.md.
 */
import fc from 'fast-check';
import type { TableConfig } from '../../src/pipeline/machine-config.js';
import type { HcallArgs, HcallResult, Machine } from '../../src/pipeline/machine.js';
import { S_DATA, S_LOCK, slotBase } from '../../src/shared-memory/layout.js';
import { reasonName } from '../../src/papr/reasons.js';
import { tierName } from '../../src/papr/tiers.js';

export const U64 = 1n << 64n;
export const MASK64 = U64 - 1n;

/** The four TCE opcodes, from SPEC.md section 1 (not imported: the test states its own numbers). */
export const OP_GET = 0x1c;
export const OP_PUT = 0x20;
export const OP_STUFF = 0x138;
export const OP_INDIRECT = 0x13c;
export const TCE_OPCODES = [OP_GET, OP_PUT, OP_STUFF, OP_INDIRECT] as const;

export const RC_SUCCESS = 0;
export const RC_FUNCTION = -2;
export const RC_PARAMETER = -4;
export const RC_TOO_HARD = 9999;

export const TIER_R = 0;
export const TIER_V = 1;
export const TIER_U = 2;

export const hex = (v: bigint | number): string => (typeof v === 'bigint' ? `0x${v.toString(16)}` : `0x${(v >>> 0).toString(16)}`);

function opName(op: number): string {
  switch (op) {
    case OP_GET: return 'GET';
    case OP_PUT: return 'PUT';
    case OP_STUFF: return 'STUFF';
    case OP_INDIRECT: return 'INDIRECT';
    default: return `op${hex(op)}`;
  }
}

function describeCall(c: HcallArgs): string {
  return `${opName(c.opcode)}(liobn=${hex(c.liobn)}, ioba=${hex(c.ioba)}, arg=${hex(c.arg ?? 0n)}, npages=${hex(c.npages ?? 0n)})`;
}

/** "realmode: H_TOO_HARD (page-not-allocated) > virtmode: 0", for failure messages. */
export function describePath(r: HcallResult): string {
  return r.path.map((a) => `${tierName(a.tier)}: ${a.ret === RC_TOO_HARD ? `H_TOO_HARD (${reasonName(a.reason)})` : a.ret}`).join(' > ');
}

/** Values where 32-bit halves, 2^53 doubles and 64-bit wrap-around tend to break. */
const EDGE_U64: readonly bigint[] = [
  0n, 1n, 2n, 3n, 4n, 7n, 8n, 0xfffn, 0x1000n, 0x1001n, 0x1003n, 0xffffn, 0x10000n, 0x10003n,
  0x7fffffffn, 0x80000000n, 0x80000001n, 0xfffff000n, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n, (1n << 32n) + 0x1000n,
  (1n << 52n) - 1n, 1n << 52n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 53n) + 0x1000n,
  1n << 59n, (1n << 59n) + 0x10000n, (1n << 63n) - 1n, 1n << 63n, (1n << 63n) + 1n,
  U64 - 0x10000n, U64 - 0x1000n, U64 - 0x1000n + 3n, U64 - 8n, U64 - 2n, MASK64,
];

export const arbAnyU64: fc.Arbitrary<bigint> = fc.bigInt({ min: 0n, max: MASK64 });
export const arbEdgeU64: fc.Arbitrary<bigint> = fc.constantFrom(...EDGE_U64);
/** Any 64-bit value, edge values half of the time. */
export const arbU64: fc.Arbitrary<bigint> = fc.oneof(arbAnyU64, arbEdgeU64);

/** A spot around a table's window: the ioba and the window page it falls in (may be outside). */
export interface WindowSpot {
  ioba: bigint;
  /** Window-relative page: negative below the window, >= entries past it. */
  page: bigint;
}

/**
 * An ioba around a table's window: page k of the window (k may be negative or past the end,
 * wrapping modulo 2^64) plus an offset inside the page that is mostly 0.
 */
export function arbSpotNear(t: TableConfig): fc.Arbitrary<WindowSpot> {
  const ps = 1n << BigInt(t.pageShift);
  const n = BigInt(t.entries);
  const page = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(0n, 1n, n - 2n, n - 1n, n, n + 1n, -1n, -2n, n + 512n, 511n, 512n) },
    { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: n - 1n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }) },
  );
  const offset = fc.oneof(
    { weight: 6, arbitrary: fc.constant(0n) },
    { weight: 2, arbitrary: fc.constantFrom(1n, 2n, 3n, 8n, 0x800n, ps / 2n, ps - 8n, ps - 1n) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: ps - 1n }) },
  );
  return fc.tuple(page, offset).map(([k, off]) => ({ ioba: (((t.busOffset + k * ps + off) % U64) + U64) % U64, page: k }));
}

export function arbIobaNear(t: TableConfig): fc.Arbitrary<bigint> {
  return arbSpotNear(t).map((s) => s.ioba);
}

/**
 * npages for a call at window page `page`: mostly small, often exactly what fits before the
 * window's end (or one more), sometimes 0..600, 512 +- 1, or with upper bits set.
 */
export function arbNpagesAt(t: TableConfig, page: bigint): fc.Arbitrary<bigint> {
  const n = BigInt(t.entries);
  const room = page >= 0n && page < n ? n - page : 1n;
  return fc.oneof(
    { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 8n }) },
    { weight: 3, arbitrary: fc.constantFrom(room, room + 1n, room > 1n ? room - 1n : room) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 600n }) },
    { weight: 2, arbitrary: fc.constantFrom(0n, 1n, 511n, 512n, 513n, n - 1n, n, n + 1n, 600n) },
    { weight: 1, arbitrary: fc.constantFrom(1n << 32n, (1n << 32n) + 1n, (1n << 32n) + 512n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, MASK64) },
  );
}

/** First arena entry of a table: entry i lives at words 2(base+i) (lo) and 2(base+i)+1 (hi). */
export function tableDataBase(m: Machine, slot: number): number {
  return m.tables.control[slotBase(slot) + S_DATA] as number;
}

/** Compare two tables given as Maps by ioba; a message listing up to 8 differences, or null. */
export function diffTables(got: Map<bigint, bigint>, want: Map<bigint, bigint>): string | null {
  const diffs: string[] = [];
  const keys = new Set<bigint>([...got.keys(), ...want.keys()]);
  for (const k of [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const g = got.get(k) ?? 0n;
    const w = want.get(k) ?? 0n;
    if (g !== w) diffs.push(`ioba ${hex(k)}: got ${hex(g)}, want ${hex(w)}`);
  }
  if (diffs.length === 0) return null;
  return `${diffs.length} entries differ: ${diffs.slice(0, 8).join('; ')}${diffs.length > 8 ? '; ...' : ''}`;
}

/** Fail a property with a message that says which step and call went wrong. */
export function fail(step: number, c: HcallArgs, what: string): never {
  throw new Error(`step ${step} ${describeCall(c)}: ${what}`);
}

/** Every live table's lock is free again after a call (a leaked lock would hang the next call). */
export function assertUnlocked(m: Machine, step: number, c: HcallArgs): void {
  for (const slot of m.tables.liveSlots()) {
    if (m.tables.control[slotBase(slot) + S_LOCK] !== 0) fail(step, c, `table ${hex(m.tables.liobn(slot))} is still locked`);
  }
}
