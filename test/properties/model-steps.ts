/**
 * The machine and the random call sequences the model-based properties share: small tables
 * (so whole tables are compared after every step), 4 KiB host pages (512 TCEs per kernel
 * backing page), 1 MiB of guest RAM, and generators that mostly produce values near the
 * windows' edges.
 */
import fc from 'fast-check';
import { defaultMachineConfig, type MachineConfig, type TableConfig } from '../../src/pipeline/machine-config.js';
import type { HcallArgs, Machine } from '../../src/pipeline/machine.js';
import type { ModelRam, ModelTable } from './qemu-model.js';
import { MASK64, OP_GET, OP_INDIRECT, OP_PUT, OP_STUFF, U64, arbNpagesAt, arbSpotNear, arbU64 } from './support.js';

export const RAM_BYTES = 0x100000n; // 1 MiB: 256 pages of 4 KiB, 16 of 64 KiB
export const HOST_PAGE_SHIFT = 12;

/**
 * Plain 4K at 0 (two kernel backing pages), 64K pages at 1<<59, a window ending just below
 * 2^64, and a small QEMU-only window.
 */
export const MODEL_TABLES: readonly TableConfig[] = [
  { liobn: 0x80000000, busOffset: 0n, pageShift: 12, entries: 700, userspaceOnly: false },
  { liobn: 0x80000001, busOffset: 1n << 59n, pageShift: 16, entries: 260, userspaceOnly: false },
  { liobn: 0x00000007, busOffset: U64 - 101n * 0x1000n, pageShift: 12, entries: 100, userspaceOnly: false },
  { liobn: 0x80000100, busOffset: 0x40000000n, pageShift: 12, entries: 64, userspaceOnly: true },
];
const UNKNOWN_LIOBNS = [0n, 0x80000002n, 0x7fffffffn, 0xffffffffn, 0x80000101n, 6n, 8n];

export function modelMachineConfig(rangeCheck: 'full' | 'firstPage' = 'full', inKernelMultiTce = true): MachineConfig {
  const c = defaultMachineConfig();
  c.ramBytes = RAM_BYTES;
  c.hostPageShift = HOST_PAGE_SHIFT;
  c.rangeCheck = rangeCheck;
  c.inKernelMultiTce = inKernelMultiTce;
  c.tables = MODEL_TABLES.map((t) => ({ ...t }));
  c.arenaEntries = MODEL_TABLES.reduce((n, t) => n + t.entries, 0) + 64;
  return c;
}

export function modelTables(): ModelTable[] {
  return MODEL_TABLES.map((t) => ({
    liobn: BigInt(t.liobn), busOffset: t.busOffset, pageShift: BigInt(t.pageShift), entries: BigInt(t.entries),
    userspaceOnly: t.userspaceOnly, cells: new Map(),
  }));
}

// ---------------------------------------------------------------------------------------------

/** A TCE for table t: clear, page-aligned in RAM (with or without permission), misaligned, outside RAM, anything. */
function arbModelTce(t: TableConfig): fc.Arbitrary<bigint> {
  const ps = 1n << BigInt(t.pageShift);
  const pagesInRam = RAM_BYTES / ps;
  const perm = fc.constantFrom(0n, 1n, 2n, 3n);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(0n) },
    { weight: 5, arbitrary: fc.tuple(fc.bigInt({ min: 0n, max: pagesInRam - 1n }), perm).map(([p, b]) => p * ps | b) },
    { weight: 1, arbitrary: fc.tuple(fc.bigInt({ min: 0n, max: pagesInRam - 1n }), fc.bigInt({ min: 1n, max: ps / 4n - 1n }), perm).map(([p, o, b]) => p * ps + o * 4n | b) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(RAM_BYTES, RAM_BYTES + ps, 1n << 40n, 1n << 62n), perm).map(([a, b]) => a | b) },
    { weight: 1, arbitrary: arbU64 },
  );
}

function arbLiobn(t: TableConfig): fc.Arbitrary<bigint> {
  const own = BigInt(t.liobn);
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(own) },
    { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 0xffffffffn }).map((hi) => hi << 32n | own) },
    { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_LIOBNS) },
    { weight: 1, arbitrary: arbU64 },
  );
}

/** Lists mostly live in a few guest pages, so that host-page state changes hit them. */
const LIST_PAGES = 8n;
const arbListPage: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: LIST_PAGES - 1n }).map((p) => p * 0x1000n) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: RAM_BYTES / 0x1000n - 1n }).map((p) => p * 0x1000n) },
);
const arbListAddress: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 6, arbitrary: arbListPage },
  { weight: 1, arbitrary: fc.constantFrom(RAM_BYTES - 0x1000n, RAM_BYTES, RAM_BYTES + 0x1000n, 1n << 32n, 1n << 63n, U64 - 0x1000n) },
  { weight: 1, arbitrary: fc.tuple(fc.bigInt({ min: 0n, max: RAM_BYTES / 0x1000n - 1n }), fc.constantFrom(8n, 0x800n, 0xff8n, 1n, 4n)).map(([p, o]) => p * 0x1000n + o) },
  { weight: 1, arbitrary: arbU64 },
);

/** List contents: a few explicit values, or a long run of consecutive mappings with one odd entry. */
function arbListValues(t: TableConfig): fc.Arbitrary<bigint[]> {
  const ps = 1n << BigInt(t.pageShift);
  const run = fc.record({
    count: fc.integer({ min: 0, max: 520 }),
    first: fc.bigInt({ min: 0n, max: RAM_BYTES / ps - 1n }),
    perm: fc.constantFrom(0n, 1n, 2n, 3n),
    odd: fc.option(fc.tuple(fc.nat(519), arbModelTce(t))),
  }).map(({ count, first, perm, odd }) => {
    const values: bigint[] = [];
    for (let i = 0n; i < BigInt(count); i++) values.push((((first + i) * ps) % RAM_BYTES) | perm);
    if (odd !== null && odd[0] < values.length) values[odd[0]] = odd[1];
    return values;
  });
  return fc.oneof({ weight: 3, arbitrary: fc.array(arbModelTce(t), { maxLength: 24 }) }, { weight: 2, arbitrary: run });
}

export type ModelStep =
  /** For INDIRECT, `list` is what the guest writes at the list address just before the call. */
  | { kind: 'call'; call: HcallArgs; list: bigint[] }
  /** The host page behind a guest page changes state (real mode may not reach a list there). */
  | { kind: 'hostPage'; gpa: bigint; absent: boolean; huge: boolean; old: boolean };

const arbOpcode: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(OP_PUT) },
  { weight: 3, arbitrary: fc.constant(OP_GET) },
  { weight: 3, arbitrary: fc.constant(OP_STUFF) },
  { weight: 3, arbitrary: fc.constant(OP_INDIRECT) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom(0, 0x1d, 0x24, 0x10c, 0x140, 0x13b, 0x8000001c, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff })) },
);

const arbCallStep: fc.Arbitrary<ModelStep> = fc.integer({ min: 0, max: MODEL_TABLES.length - 1 }).chain((ti) => {
  const t = MODEL_TABLES[ti] as TableConfig;
  return fc.record({ opcode: arbOpcode, liobn: arbLiobn(t), spot: arbSpotNear(t) }).chain(({ opcode, liobn, spot }): fc.Arbitrary<ModelStep> => {
    const ioba = spot.ioba;
    switch (opcode) {
      case OP_STUFF:
        return fc.record({ arg: arbModelTce(t), npages: arbNpagesAt(t, spot.page) })
          .map(({ arg, npages }) => ({ kind: 'call', call: { opcode, liobn, ioba, arg, npages }, list: [] }));
      case OP_INDIRECT:
        return fc.record({ arg: arbListAddress, npages: arbNpagesAt(t, spot.page), list: arbListValues(t) })
          .map(({ arg, npages, list }) => ({ kind: 'call', call: { opcode, liobn, ioba, arg, npages }, list }));
      case OP_PUT:
        return arbModelTce(t).map((arg) => ({ kind: 'call', call: { opcode, liobn, ioba, arg }, list: [] }));
      case OP_GET:
        return fc.constant({ kind: 'call', call: { opcode, liobn, ioba }, list: [] });
      default:
        return fc.record({ arg: arbU64, npages: arbU64 }).map(({ arg, npages }) => ({ kind: 'call', call: { opcode, liobn, ioba, arg, npages }, list: [] }));
    }
  });
});

const arbHostPageStep: fc.Arbitrary<ModelStep> = fc.record({
  gpa: arbListPage,
  absent: fc.boolean(),
  huge: fc.boolean(),
  old: fc.boolean(),
}).map((s) => ({ kind: 'hostPage', ...s }));

/** Call sequences; with `hostPages`, now and then a guest page's host page changes state. */
export function arbModelSteps(hostPages: boolean): fc.Arbitrary<ModelStep[]> {
  const step = hostPages ? fc.oneof({ weight: 12, arbitrary: arbCallStep }, { weight: 1, arbitrary: arbHostPageStep }) : arbCallStep;
  return fc.array(step, { minLength: 1, maxLength: 40, size: 'max' });
}

/** The guest writes an INDIRECT list (whole aligned words inside RAM) into the machine and the model. */
export function writeList(m: Machine, ram: ModelRam, at: bigint, list: readonly bigint[]): void {
  list.forEach((v, i) => {
    const gpa = (at + 8n * BigInt(i)) & MASK64;
    if (gpa % 8n === 0n && gpa + 8n <= RAM_BYTES) m.tables.ram.writeBe64(gpa, v);
    ram.write(gpa, v);
  });
}
