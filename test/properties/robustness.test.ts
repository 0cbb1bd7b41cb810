/**
 * Robustness property: no input at all makes a handler throw or write outside its table.
 * Arbitrary 64-bit values (mixed with edge values and values near the windows) for every
 * argument, any opcode, any list contents and guest host-page states, in every mode, with both
 * range checks and with in-kernel INDIRECT/STUFF on and off. After every call:
 * - call() did not throw, and the guest got H_SUCCESS, H_PARAMETER or H_FUNCTION (never
 *   H_TOO_HARD); H_FUNCTION exactly for the opcodes that are not TCE hcalls (SPEC.md section 1);
 * - the path is consistent: the mode's tiers in order, every tier but the last gave up;
 * - only the target table (the live table whose 32-bit LIOBN is the call's whole LIOBN) may
 *   change, and only by PUT/STUFF/INDIRECT; every other table is word for word unchanged;
 * - every arena word outside a live table's region [2*base, 2*(base+entries)) is still 0. Guard
 *   tables are created between the real ones and removed at once, so their regions are such
 *   gaps: a write one entry before or after a table lands in one;
 * - every table lock is free again.
 * A second set of runs attaches hardware IOMMU tables (KVM-VFIO links, one guest table with two,
 * multi-level tables, 64K guest pages over 4K hardware pages) and preregisters half of RAM: a
 * call may then also write the hardware tables attached to its target and nothing else, every
 * hardware entry is 0 or maps preregistered memory, and every region's "mapped" counter equals
 * the number of hardware entries that point into it; and after a call the kernel answered with
 * H_SUCCESS, the hardware entries under the entries it wrote follow the guest view.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultMachineConfig, type MachineConfig, type TableConfig } from '../../src/pipeline/machine-config.js';
import { MODE_TIERS, Machine, type HcallArgs, type HcallResult } from '../../src/pipeline/machine.js';
import type { Mode } from '../../src/papr/tiers.js';
import { HPA_BASE, HW_DATA, HW_ENTRIES, REGION_FREE, UA_BASE } from '../../src/host/hw-tables.js';
import {
  MASK64, OP_GET, OP_INDIRECT, OP_PUT, OP_STUFF, RC_FUNCTION, RC_PARAMETER, RC_SUCCESS, RC_TOO_HARD, TCE_OPCODES, TIER_U, U64,
  arbAnyU64, arbEdgeU64, assertUnlocked, arbIobaNear, arbNpagesAt, arbSpotNear, arbU64, describePath, fail, hex, tableDataBase,
} from './support.js';

const RAM_BYTES = 0x100000n; // 1 MiB, 4 KiB host pages

const TABLES: TableConfig[] = [
  { liobn: 0x80000000, busOffset: 0n, pageShift: 12, entries: 600, userspaceOnly: false },
  { liobn: 0x80000001, busOffset: 1n << 59n, pageShift: 16, entries: 200, userspaceOnly: false },
  // a window ending just below 2^64, held by QEMU only in every mode
  { liobn: 0x00000007, busOffset: U64 - 101n * 0x1000n, pageShift: 12, entries: 100, userspaceOnly: true },
];
const GUARD_ENTRIES = 48;
const guard = (i: number): TableConfig => ({ liobn: 0x90000000 + i, busOffset: 0n, pageShift: 12, entries: GUARD_ENTRIES, userspaceOnly: false });
const GUARDS = [guard(0), guard(1), guard(2), guard(3)];
const LIOBNS = [...TABLES, ...GUARDS].map((t) => BigInt(t.liobn));

/** Hardware tables for the runs with VFIO: two on the 4K window (one multi-level), one with 4K pages under the 64K window. */
const HW_TABLES = [
  { owner: 0x80000000, pageShift: 12, entries: 640, busOffset: 0n, levels: 1 },
  { owner: 0x80000000, pageShift: 12, entries: 600, busOffset: 0n, levels: 2 },
  { owner: 0x80000001, pageShift: 12, entries: 200 * 16, busOffset: 1n << 59n, levels: 2 },
];
const PREREGISTERED_BYTES = Number(RAM_BYTES / 2n);

function config(rangeCheck: 'full' | 'firstPage', inKernelMultiTce: boolean, withHw: boolean): MachineConfig {
  const c = defaultMachineConfig();
  c.ramBytes = RAM_BYTES;
  c.hostPageShift = 12;
  c.rangeCheck = rangeCheck;
  c.inKernelMultiTce = inKernelMultiTce;
  // guard, table, guard, table, guard, table, guard, [hardware table, guard]..., then a free tail
  c.tables = [GUARDS[0]!, TABLES[0]!, GUARDS[1]!, TABLES[1]!, GUARDS[2]!, TABLES[2]!, GUARDS[3]!].map((t) => ({ ...t }));
  const hwEntries = withHw ? HW_TABLES.reduce((n, h) => n + h.entries + GUARD_ENTRIES, 0) : 0;
  c.arenaEntries = c.tables.reduce((n, t) => n + t.entries, 0) + hwEntries + 64;
  return c;
}

/** A machine and the hardware tables attached to its guest tables. */
interface Rig {
  m: Machine;
  hw: { id: number; owner: number }[];
}

function newRig(cfg: MachineConfig, mode: Mode, withHw: boolean): Rig {
  const m = new Machine(cfg, mode);
  const t = m.tables;
  for (const g of GUARDS) t.remove(t.findTable(g.liobn));
  const hw: Rig['hw'] = [];
  if (withHw) {
    HW_TABLES.forEach((h, i) => {
      const id = t.createHwTable(h);
      t.attachHwTable(t.findTable(h.owner), id);
      hw.push({ id, owner: h.owner });
      t.remove(t.create({ liobn: 0x90000010 + i, busOffset: 0n, pageShift: 12, entries: GUARD_ENTRIES, inKernel: false }));
    });
    t.hw.registerRegion(0, PREREGISTERED_BYTES, 16);
  }
  return { m, hw };
}

// ---------------------------------------------------------------------------------------------
// Generators: anything, with a bias to what reaches deep into the handlers.

const arbOpcode: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...TCE_OPCODES) },
  { weight: 1, arbitrary: fc.constantFrom(0, 4, 0x18, 0x1d, 0x1f, 0x24, 0x10c, 0x134, 0x140, 0x8000001c, 0x7fffffff, 0xffffffff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
);

const arbLiobn: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...LIOBNS) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...LIOBNS), fc.bigInt({ min: 1n, max: 0xffffffffn })).map(([l, hi]) => hi << 32n | l) },
  { weight: 2, arbitrary: arbU64 },
);

const arbIoba: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(...TABLES.map(arbIobaNear)) },
  { weight: 1, arbitrary: arbU64 },
);

/** Page-aligned guest addresses in (or just past) RAM, as TCEs or list addresses. */
const arbRamAddress: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: RAM_BYTES / 0x1000n }).map((p) => p * 0x1000n),
  fc.bigInt({ min: 0n, max: RAM_BYTES / 0x10000n }).map((p) => p * 0x10000n),
);
const arbTceLike: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(arbRamAddress, fc.bigInt({ min: 0n, max: 3n })).map(([a, b]) => a | b) },
  { weight: 2, arbitrary: arbU64 },
  { weight: 1, arbitrary: fc.constant(0n) },
);

const arbNpages: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 8n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 700n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, 99n, 100n, 101n, 199n, 200n, 201n, 511n, 512n, 513n, 599n, 600n, 601n) },
  { weight: 2, arbitrary: arbU64 },
);

const arbList: fc.Arbitrary<bigint[]> = fc.oneof(
  { weight: 3, arbitrary: fc.array(arbTceLike, { maxLength: 16 }) },
  { weight: 1, arbitrary: fc.tuple(arbTceLike, fc.integer({ min: 0, max: 520 }), fc.constantFrom(0n, 0x1000n, 0x10000n)).map(([first, n, stride]) => Array.from({ length: n }, (_, i) => (first + BigInt(i) * stride) & MASK64)) },
);

type Step =
  | { kind: 'call'; call: HcallArgs; list: bigint[] }
  | { kind: 'hostPage'; gpa: bigint; absent: boolean; huge: boolean; old: boolean };

/** A TCE that passes every content check for table t: page-aligned in RAM, any permission. */
function arbGoodTce(t: TableConfig): fc.Arbitrary<bigint> {
  const ps = 1n << BigInt(t.pageShift);
  return fc.tuple(fc.bigInt({ min: 0n, max: RAM_BYTES / ps - 1n }), fc.bigInt({ min: 0n, max: 3n })).map(([p, b]) => p * ps | b);
}

/** A list most of whose entries table t's kernel checks accept, with a few odd ones. */
function arbPlausibleList(t: TableConfig): fc.Arbitrary<bigint[]> {
  return fc.tuple(arbGoodTce(t), fc.integer({ min: 0, max: 520 }), fc.array(fc.tuple(fc.nat(519), arbTceLike), { maxLength: 3 }))
    .map(([first, n, pokes]) => {
      const ps = 1n << BigInt(t.pageShift);
      const values = Array.from({ length: n }, (_, i) => (first + BigInt(i) * ps) % RAM_BYTES | (first & 3n));
      for (const [at, v] of pokes) if (at < n) values[at] = v;
      return values;
    });
}

/** Rarely replace a field by any 64-bit value. */
const wild = (arb: fc.Arbitrary<bigint>): fc.Arbitrary<bigint> => fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: arbU64 });

/**
 * A call aimed at one table that gets deep into the handlers: a known LIOBN, an ioba near the
 * window's edges, npages near what fits, TCEs and lists the kernel accepts, then any field
 * may be replaced by an arbitrary value.
 */
const arbPlausibleCall: fc.Arbitrary<Step> = fc.integer({ min: 0, max: TABLES.length - 1 }).chain((ti) => {
  const t = TABLES[ti]!;
  return fc.record({
    opcode: arbOpcode,
    liobn: fc.oneof({ weight: 6, arbitrary: fc.constant(BigInt(t.liobn)) }, { weight: 1, arbitrary: arbLiobn }),
    spot: arbSpotNear(t),
    tce: fc.oneof({ weight: 3, arbitrary: arbGoodTce(t) }, { weight: 1, arbitrary: arbTceLike }),
    listAddress: fc.oneof({ weight: 6, arbitrary: fc.bigInt({ min: 0n, max: RAM_BYTES / 0x1000n - 1n }).map((p) => p * 0x1000n) }, { weight: 1, arbitrary: arbRamAddress }),
    list: fc.oneof({ weight: 3, arbitrary: arbPlausibleList(t) }, { weight: 1, arbitrary: arbList }),
  }).chain(({ opcode, liobn, spot, tce, listAddress, list }) => fc.record({
    ioba: wild(fc.constant(spot.ioba)),
    arg: wild(fc.constant(opcode === OP_INDIRECT ? listAddress : tce)),
    npages: wild(arbNpagesAt(t, spot.page)),
  }).map(({ ioba, arg, npages }) => ({ kind: 'call' as const, call: { opcode, liobn, ioba, arg, npages }, list: opcode === OP_INDIRECT ? list : [] })));
});

/** A call the kernel would accept but for its own limits (or one running a little past the window): where tables get written. */
const arbValidCall: fc.Arbitrary<Step> = fc.integer({ min: 0, max: TABLES.length - 1 }).chain((ti) => {
  const t = TABLES[ti]!;
  const ps = 1n << BigInt(t.pageShift);
  return fc.record({
    opcode: fc.constantFrom(OP_PUT, OP_PUT, OP_GET, OP_STUFF, OP_INDIRECT, OP_INDIRECT),
    index: fc.oneof(fc.integer({ min: 0, max: t.entries - 1 }), fc.constantFrom(0, t.entries - 1)),
    tce: arbGoodTce(t),
    listAddress: fc.bigInt({ min: 0n, max: 7n }).map((p) => p * 0x1000n),
    list: arbPlausibleList(t),
    npages: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 512 })),
    // now and then run past the window's end (only the first-page-only range check lets it in)
    overrun: fc.constantFrom(0, 0, 0, 0, 1, 3),
  }).map(({ opcode, index, tce, listAddress, list, npages, overrun }) => {
    const n = BigInt(Math.min(npages, t.entries - index) + overrun);
    const call = { opcode, liobn: BigInt(t.liobn), ioba: t.busOffset + BigInt(index) * ps, arg: opcode === OP_INDIRECT ? listAddress : opcode === OP_STUFF ? tce & ~3n : tce, npages: n };
    return { kind: 'call' as const, call, list: opcode === OP_INDIRECT ? list : [] };
  });
});

/** A call with every field drawn independently. */
const arbAnyCall: fc.Arbitrary<Step> = fc.record({
  opcode: arbOpcode,
  liobn: arbLiobn,
  ioba: arbIoba,
  arg: fc.oneof(arbTceLike, arbRamAddress, arbEdgeU64, arbAnyU64),
  npages: arbNpages,
  list: arbList,
}).map(({ opcode, liobn, ioba, arg, npages, list }) => ({ kind: 'call' as const, call: { opcode, liobn, ioba, arg, npages }, list: opcode === OP_INDIRECT ? list : [] }));

const arbHostPage: fc.Arbitrary<Step> = fc.record({
  gpa: fc.bigInt({ min: 0n, max: RAM_BYTES / 0x1000n - 1n }).map((p) => p * 0x1000n),
  absent: fc.boolean(),
  huge: fc.boolean(),
  old: fc.boolean(),
}).map((s) => ({ kind: 'hostPage' as const, ...s }));

const arbSteps = fc.array(fc.oneof({ weight: 6, arbitrary: arbValidCall }, { weight: 6, arbitrary: arbPlausibleCall }, { weight: 3, arbitrary: arbAnyCall }, { weight: 1, arbitrary: arbHostPage }), { minLength: 1, maxLength: 30, size: 'max' });

// ---------------------------------------------------------------------------------------------

/** Arena words [from, to) that belong to the guest table `liobn`: its entries or an attached hardware table's. */
interface Region { liobn: number; from: number; to: number; hw: boolean }

function ownedRegions(rig: Rig): Region[] {
  const t = rig.m.tables;
  const guest = t.liveSlots().map((slot) => {
    const base = tableDataBase(rig.m, slot);
    return { liobn: t.liobn(slot), from: 2 * base, to: 2 * (base + t.entries(slot)), hw: false };
  });
  const hw = rig.hw.map(({ id, owner }) => {
    const base = t.hw.hwWord(id, HW_DATA);
    return { liobn: owner, from: 2 * base, to: 2 * (base + t.hw.hwWord(id, HW_ENTRIES)), hw: true };
  });
  return [...guest, ...hw];
}

/** Hardware entries are 0 or map preregistered memory; each region's mapped counter counts them. */
function checkHardware(rig: Rig, n: number, c: HcallArgs, path: string): void {
  const t = rig.m.tables;
  const live: number[] = [];
  for (let r = 0; r < t.hw.maxRegions; r++) if (t.hw.regionState(r) !== REGION_FREE) live.push(r);
  const counted = new Map<number, number>(live.map((r) => [r, 0]));
  for (const { id } of rig.hw) {
    const entries = t.hw.hwWord(id, HW_ENTRIES);
    for (let e = 0; e < entries; e++) {
      const lo = t.hwEntryLo(id, e);
      const hi = t.hwEntryHi(id, e);
      if (lo === 0 && hi === 0) continue;
      const what = `hardware table ${id} entry ${e} = ${hex((BigInt(hi) << 32n) | BigInt(lo))}`;
      if ((lo & 3) === 0) fail(n, c, `${what} has no permission bit but is not 0 (via ${path})`);
      const ua = UA_BASE + hi * 4294967296 + ((lo & ~3) >>> 0) - HPA_BASE;
      const r = live.find((x) => ua >= t.hw.regionUa(x) && ua + 2 ** t.hwPageShift(id) <= t.hw.regionUa(x) + t.hw.regionBytes(x));
      if (r === undefined) fail(n, c, `${what} maps memory outside every preregistered region (via ${path})`);
      counted.set(r, counted.get(r)! + 1);
    }
  }
  for (const r of live) {
    if (t.hw.regionMapped(r) !== counted.get(r)) fail(n, c, `region ${r}: mapped counter ${t.hw.regionMapped(r)}, but ${counted.get(r)} hardware entries point into it (via ${path})`);
  }
}

/**
 * SPEC section 3: a call the kernel answered with H_SUCCESS has written every attached hardware
 * table before the guest view: each entry's subpages map the TCE's pages (host address |
 * permission), or are 0 for a TCE without permission.
 */
function checkHardwareFollows(rig: Rig, n: number, c: HcallArgs, r: HcallResult): void {
  if (r.ret !== RC_SUCCESS || r.answeredBy === TIER_U || c.opcode === OP_GET) return;
  const t = rig.m.tables;
  const slot = t.findTable(Number(c.liobn));
  const g = t.geometry(slot);
  const index = Number((c.ioba - g.busOffset) >> BigInt(g.pageShift));
  const count = c.opcode === OP_PUT ? 1 : Math.min(Number(c.npages ?? 0n), g.entries - index);
  for (let i = 0; i < count; i++) {
    const at = Number(c.arg ?? 0n) + 8 * i;
    const tce = c.opcode === OP_INDIRECT ? (BigInt(t.ram.readBeHi(at)) << 32n) | BigInt(t.ram.readBeLo(at)) : c.arg ?? 0n;
    for (const { id } of rig.hw.filter((h) => h.owner === g.liobn)) {
      const hwShift = t.hwPageShift(id);
      const sub = 2 ** (g.pageShift - hwShift);
      for (let j = 0; j < sub; j++) {
        const e = (index + i) * sub + j;
        const want = (tce & 3n) === 0n ? 0n : (BigInt(HPA_BASE) + (tce & ~3n) + (BigInt(j) << BigInt(hwShift))) | (tce & 3n);
        const got = (BigInt(t.hwEntryHi(id, e)) << 32n) | BigInt(t.hwEntryLo(id, e));
        if (got !== want) fail(n, c, `answered ${r.ret} by tier ${r.answeredBy}, but hardware table ${id} entry ${e} (guest entry ${index + i} = ${hex(tce)}) is ${hex(got)}, want ${hex(want)}`);
      }
    }
  }
}

function checkCall(rig: Rig, mode: Mode, regions: Region[], n: number, c: HcallArgs, list: bigint[]): void {
  const m = rig.m;
  if (c.opcode === OP_INDIRECT) list.forEach((v, i) => m.tables.ram.writeBe64(((c.arg ?? 0n) + 8n * BigInt(i)) & MASK64, v));
  const before = m.tables.data.slice();
  let r: HcallResult;
  try {
    r = m.call(c);
  } catch (e) {
    fail(n, c, `call() threw ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }
  const path = describePath(r);
  const isTce = (TCE_OPCODES as readonly number[]).includes(c.opcode);
  if (r.ret !== RC_SUCCESS && r.ret !== RC_PARAMETER && r.ret !== RC_FUNCTION) fail(n, c, `the guest got ret ${r.ret} via ${path}`);
  if ((r.ret === RC_FUNCTION) !== !isTce) fail(n, c, `ret ${r.ret} for opcode ${hex(c.opcode)} via ${path}`);
  const tiers = MODE_TIERS[mode];
  r.path.forEach((a, i) => {
    if (a.tier !== tiers[i]) fail(n, c, `path ${path} is not mode ${mode}'s tiers in order`);
    if (i < r.path.length - 1 && a.ret !== RC_TOO_HARD) fail(n, c, `tier ${a.tier} answered ${a.ret} but the call went on: ${path}`);
  });
  const last = r.path[r.path.length - 1];
  if (last === undefined || last.ret !== r.ret || last.tier !== r.answeredBy) fail(n, c, `answer ${r.ret} from tier ${r.answeredBy} does not end path ${path}`);
  if (c.opcode !== OP_GET && r.tce !== 0n) fail(n, c, `r4 out ${hex(r.tce)} from a call that returns no value`);

  const writes = c.liobn <= 0xffffffffn && (c.opcode === OP_PUT || c.opcode === OP_STUFF || c.opcode === OP_INDIRECT);
  const mine = writes ? regions.filter((g) => BigInt(g.liobn) === c.liobn) : [];
  const words = m.tables.data;
  let hwChanged = false;
  for (let w = 0; w < words.length; w++) {
    if (words[w] !== before[w] && !hwChanged) hwChanged = regions.some((g) => g.hw && w >= g.from && w < g.to);
    if (words[w] !== before[w] && !mine.some((g) => w >= g.from && w < g.to)) {
      const owner = regions.find((g) => w >= g.from && w < g.to);
      const where = owner === undefined ? 'outside every table' : `in ${owner.hw ? 'a hardware table attached to' : 'table'} ${hex(owner.liobn)}, not the call's target`;
      fail(n, c, `arena word ${w} changed ${hex(before[w]!)} -> ${hex(words[w]!)}: ${where} (via ${path})`);
    }
    if (words[w] !== 0 && !regions.some((g) => w >= g.from && w < g.to)) fail(n, c, `arena word ${w} outside every table is ${hex(words[w]!)}`);
  }
  assertUnlocked(m, n, c);
  // The full hardware scan is costly: after every call that changed a hardware entry, and at
  // the end of the run (which also catches a counter that moved on its own).
  if (hwChanged) checkHardware(rig, n, c, path);
  if (rig.hw.length > 0) checkHardwareFollows(rig, n, c, r);
}

function runRobust(steps: Step[], cfg: MachineConfig, mode: Mode, withHw: boolean): void {
  const rig = newRig(cfg, mode, withHw);
  const regions = ownedRegions(rig);
  if (regions.filter((g) => !g.hw).length !== TABLES.length) throw new Error(`expected ${TABLES.length} live tables, got ${regions.length}`);
  steps.forEach((s, n) => {
    if (s.kind === 'hostPage') rig.m.tables.ram.setHostPageState(Number(s.gpa), s);
    else checkCall(rig, mode, regions, n, s.call, s.list);
  });
  const lastCall = [...steps].reverse().find((s) => s.kind === 'call');
  if (rig.hw.length > 0 && lastCall?.kind === 'call') checkHardware(rig, steps.length - 1, lastCall.call, 'the end of the run');
}

let seed = 0x5eed0200;
for (const mode of ['realmode', 'virtmode', 'userspace'] as const) {
  for (const withHw of mode === 'userspace' ? [false] : [false, true]) {
    for (const rangeCheck of ['full', 'firstPage'] as const) {
      for (const multi of [true, false]) {
        const cfg = config(rangeCheck, multi, withHw);
        const runSeed = seed++;
        test(`${mode}${withHw ? ' with hardware tables' : ''}, rangeCheck ${rangeCheck}, in-kernel multi-TCE ${multi}: any input, no throw, no H_TOO_HARD, no write outside the target table`, () => {
          fc.assert(fc.property(arbSteps, (steps) => runRobust(steps, cfg, mode, withHw)), { seed: runSeed, numRuns: withHw ? 30 : 50, includeErrorInReport: true });
        });
      }
    }
  }
}

test('the guard layout: live guest and hardware tables with removed guard tables around each', () => {
  const rig = newRig(config('full', true, true), 'realmode', true);
  const regions = ownedRegions(rig);
  assert.equal(regions.filter((g) => !g.hw).map((g) => g.liobn), TABLES.map((t) => t.liobn));
  assert.equal(regions.filter((g) => g.hw).map((g) => g.liobn), HW_TABLES.map((h) => h.owner));
  for (const g of regions) {
    assert.ok(g.from >= 2 * GUARD_ENTRIES, 'a gap before every table');
    assert.ok(!regions.some((h) => h !== g && h.from < g.to + 2 * GUARD_ENTRIES && g.from < h.to + 2 * GUARD_ENTRIES), 'a guard between any two tables');
  }
  assert.ok(rig.m.tables.data.length >= Math.max(...regions.map((g) => g.to)) + 2 * 64, 'a free tail after the last table');
});

test.run();
