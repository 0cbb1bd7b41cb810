/**
 * Differential property (SPEC.md section 6, last paragraph): for WELL-FORMED calls every mode
 * gives the same guest-visible result. The same random sequence runs on three fresh machines
 * (realmode, virtmode, userspace); after every step the return code, the H_GET_TCE value and
 * every table must agree, and every well-formed call must succeed.
 *
 * Well-formed: a known LIOBN; ioba page-aligned, inside the window, with the whole range
 * [ioba, ioba + npages pages) inside it; npages >= 1; mapping TCEs (a permission bit set)
 * page-aligned with their address inside guest RAM; TCEs without permission bits are 0 or a
 * page-aligned address inside RAM; STUFF values carry no permission bit; an INDIRECT list is
 * 4 KiB aligned in RAM with at most 512 entries, all well-formed.
 *
 * It also checks that the modes really take different paths: over the runs, real mode answers
 * some calls itself and gives some up; virtual mode answers every well-formed call the kernel
 * handles (it never has to punt one to userspace).
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultMachineConfig, type MachineConfig, type TableConfig } from '../../src/pipeline/machine-config.js';
import { Machine, type HcallArgs, type HcallResult } from '../../src/pipeline/machine.js';
import type { Mode } from '../../src/papr/tiers.js';
import {
  OP_GET, OP_INDIRECT, OP_PUT, OP_STUFF, RC_SUCCESS, RC_TOO_HARD, TIER_R, TIER_U, TIER_V,
  arbU64, assertUnlocked, describePath, diffTables, fail, hex,
} from './support.js';

const RAM_BYTES = 0x100000n; // 1 MiB
const LIST_PAGES = RAM_BYTES / 0x1000n;

/** hostPageShift 12: 512 entries per kernel backing page, so table A spans three pages. */
const TABLES: TableConfig[] = [
  { liobn: 0x80000000, busOffset: 0n, pageShift: 12, entries: 1100, userspaceOnly: false },
  { liobn: 0x80000001, busOffset: 1n << 59n, pageShift: 16, entries: 300, userspaceOnly: false },
];
const MODES: readonly Mode[] = ['realmode', 'virtmode', 'userspace'];

function config(rangeCheck: 'full' | 'firstPage', inKernelMultiTce: boolean): MachineConfig {
  const c = defaultMachineConfig();
  c.ramBytes = RAM_BYTES;
  c.hostPageShift = 12;
  c.rangeCheck = rangeCheck;
  c.inKernelMultiTce = inKernelMultiTce;
  c.tables = TABLES.map((t) => ({ ...t }));
  c.arenaEntries = TABLES.reduce((n, t) => n + t.entries, 0) + 64;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Well-formed generators.

/**
 * A TCE for table t: mapping (aligned, in RAM, a permission bit), clear (0), or poison (aligned,
 * in RAM, no bit). Without permission (STUFF's value) any value with both low bits clear.
 */
function arbGoodTce(t: TableConfig, allowPermission: boolean): fc.Arbitrary<bigint> {
  const ps = 1n << BigInt(t.pageShift);
  const page = fc.oneof(fc.bigInt({ min: 0n, max: RAM_BYTES / ps - 1n }), fc.constantFrom(0n, RAM_BYTES / ps - 1n));
  const perm = allowPermission ? fc.constantFrom(0n, 1n, 2n, 3n, 3n, 3n) : fc.constant(0n);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(0n) },
    { weight: 4, arbitrary: fc.tuple(page, perm).map(([p, b]) => p * ps | b) },
    { weight: allowPermission ? 0 : 1, arbitrary: arbU64.map((v) => v & ~3n) },
  );
}

/**
 * A well-formed list of any length: consecutive mappings from a random page (wrapping inside
 * RAM), with a few entries replaced by other well-formed TCEs.
 */
function arbGoodList(t: TableConfig): fc.Arbitrary<(length: number) => bigint[]> {
  const ps = 1n << BigInt(t.pageShift);
  return fc.record({
    first: fc.bigInt({ min: 0n, max: RAM_BYTES / ps - 1n }),
    perm: fc.constantFrom(1n, 2n, 3n),
    pokes: fc.array(fc.tuple(fc.nat(511), arbGoodTce(t, true)), { maxLength: 8 }),
  }).map(({ first, perm, pokes }) => (length: number) => {
    const values: bigint[] = [];
    for (let i = 0n; i < BigInt(length); i++) values.push((((first + i) * ps) % RAM_BYTES) | perm);
    for (const [at, tce] of pokes) if (at < length) values[at] = tce;
    return values;
  });
}

/** A first entry and a count that fit the window, biased to its edges and to backing-page edges. */
function arbRange(t: TableConfig, max: number): fc.Arbitrary<{ index: number; npages: number }> {
  const n = t.entries;
  const index = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: n - 1 }) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1, 510, 511, 512, 513, 1023, 1024, n - 2, n - 1).filter((i) => i < n) },
  );
  return index.chain((i) => {
    const room = Math.min(max, n - i);
    return fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: Math.min(room, 8) }) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: room }) },
      { weight: 1, arbitrary: fc.constant(room) },
    ).map((npages) => ({ index: i, npages }));
  });
}

interface Step {
  call: HcallArgs;
  /** For INDIRECT: the list the guest writes at `arg` before the call. */
  list: bigint[];
}

const arbStep: fc.Arbitrary<Step> = fc.integer({ min: 0, max: TABLES.length - 1 }).chain((ti) => {
  const t = TABLES[ti] as TableConfig;
  const liobn = BigInt(t.liobn);
  const ps = 1n << BigInt(t.pageShift);
  const ioba = (index: number): bigint => t.busOffset + BigInt(index) * ps;
  return fc.constantFrom(OP_PUT, OP_PUT, OP_GET, OP_GET, OP_STUFF, OP_INDIRECT, OP_INDIRECT).chain((opcode): fc.Arbitrary<Step> => {
    switch (opcode) {
      case OP_PUT:
        return fc.tuple(arbRange(t, 1), arbGoodTce(t, true)).map(([r, arg]) => ({ call: { opcode, liobn, ioba: ioba(r.index), arg }, list: [] }));
      case OP_GET:
        return arbRange(t, 1).map((r) => ({ call: { opcode, liobn, ioba: ioba(r.index) }, list: [] }));
      case OP_STUFF:
        return fc.tuple(arbRange(t, t.entries), arbGoodTce(t, false)).map(([r, arg]) => ({
          call: { opcode, liobn, ioba: ioba(r.index), arg, npages: BigInt(r.npages) }, list: [],
        }));
      default:
        return fc.tuple(arbRange(t, 512), fc.bigInt({ min: 0n, max: LIST_PAGES - 1n }), arbGoodList(t))
          .map(([r, page, list]) => ({
            call: { opcode, liobn, ioba: ioba(r.index), arg: page * 0x1000n, npages: BigInt(r.npages) },
            list: list(r.npages),
          }));
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** Who answered, per mode and tier, over all runs of one configuration. */
type Tally = Record<Mode, number[]> & { realmodeFirstTry: number };

function newTally(): Tally {
  return { realmode: [0, 0, 0], virtmode: [0, 0, 0], userspace: [0, 0, 0], realmodeFirstTry: 0 };
}

function runEverywhere(steps: Step[], cfg: MachineConfig, tally: Tally): void {
  const machines = MODES.map((mode) => new Machine(cfg, mode));
  steps.forEach((s, n) => {
    const c = s.call;
    const results: HcallResult[] = machines.map((m) => {
      if (c.opcode === OP_INDIRECT) s.list.forEach((v, i) => m.tables.ram.writeBe64((c.arg ?? 0n) + 8n * BigInt(i), v));
      return m.call(c);
    });
    const [r, v, u] = results as [HcallResult, HcallResult, HcallResult];
    const line = (x: HcallResult): string => `ret ${x.ret} tce ${hex(x.tce)} via ${describePath(x)}`;
    const all = `realmode: ${line(r)}; virtmode: ${line(v)}; userspace: ${line(u)}`;
    if (results.some((x) => x.ret !== RC_SUCCESS)) fail(n, c, `a well-formed call failed: ${all}`);
    if (r.tce !== u.tce || v.tce !== u.tce) fail(n, c, `H_GET_TCE values differ: ${all}`);
    for (const t of TABLES) {
      const want = machines[2]!.nonZeroEntries(t.liobn);
      for (const i of [0, 1]) {
        const d = diffTables(machines[i]!.nonZeroEntries(t.liobn), want);
        if (d !== null) fail(n, c, `${MODES[i]} table ${hex(t.liobn)} differs from userspace's: ${d}`);
      }
    }
    // Which tier answered: userspace mode has only one; the kernel modes must not punt a
    // well-formed call the kernel handles (all of them, unless INDIRECT/STUFF are disabled).
    const inKernel = cfg.inKernelMultiTce || c.opcode === OP_PUT || c.opcode === OP_GET;
    if (u.answeredBy !== TIER_U) fail(n, c, `userspace mode answered by tier ${u.answeredBy}`);
    if (inKernel && v.answeredBy !== TIER_V) fail(n, c, `virtmode punted a well-formed call: ${line(v)}`);
    if (inKernel && r.answeredBy === TIER_U) fail(n, c, `realmode punted a well-formed call to userspace: ${line(r)}`);
    if (!inKernel && (r.answeredBy !== TIER_U || v.answeredBy !== TIER_U)) fail(n, c, `a disabled hcall was answered in the kernel: ${all}`);
    machines.forEach((m) => assertUnlocked(m, n, c));
    tally.realmode[r.answeredBy]! += 1;
    tally.virtmode[v.answeredBy]! += 1;
    tally.userspace[u.answeredBy]! += 1;
    if (r.path[0]!.ret !== RC_TOO_HARD) tally.realmodeFirstTry += 1;
  });
}

const arbSteps = fc.array(arbStep, { minLength: 1, maxLength: 30, size: 'max' });

for (const [rangeCheck, multi, seed] of [
  ['full', true, 0x5eed0101], ['firstPage', true, 0x5eed0102], ['full', false, 0x5eed0103], ['firstPage', false, 0x5eed0104],
] as const) {
  test(`well-formed calls: same result in realmode, virtmode and userspace (rangeCheck ${rangeCheck}, in-kernel multi-TCE ${multi})`, () => {
    const cfg = config(rangeCheck, multi);
    const tally = newTally();
    fc.assert(fc.property(arbSteps, (steps) => runEverywhere(steps, cfg, tally)), { seed, numRuns: 40, includeErrorInReport: true });
    // The sequence exercises different paths: real mode answers some calls itself and gives
    // up others (a fresh backing page), which virtual mode then answers.
    assert.ok(tally.realmodeFirstTry > 0, `real mode answered nothing itself: ${JSON.stringify(tally)}`);
    assert.ok(tally.realmode[TIER_R]! > 0 && tally.realmode[TIER_V]! > 0, `realmode tiers: ${JSON.stringify(tally)}`);
    assert.ok(tally.virtmode[TIER_V]! > 0, `virtmode tiers: ${JSON.stringify(tally)}`);
    assert.is(tally.userspace[TIER_R]! + tally.userspace[TIER_V]!, 0);
    if (!multi) assert.ok(tally.realmode[TIER_U]! > 0, `disabled INDIRECT/STUFF never reached userspace: ${JSON.stringify(tally)}`);
  });
}

test.run();
