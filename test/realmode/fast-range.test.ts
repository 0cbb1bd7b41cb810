/**
 * Real mode's fast paths for H_STUFF_TCE and H_PUT_TCE_INDIRECT (src/realmode/h-stuff-tce.ts,
 * h-put-tce-indirect.ts) against the full KVM handlers: on random calls — most of them the
 * common case, every field sometimes off — the same answers, reasons, table words, backing
 * pages, write counts and event-log records, word for word.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogDrain, MemoryRecordSink } from '../../src/events/drain.js';
import { allocateRing } from '../../src/events/ring.js';
import { EventWriter } from '../../src/events/writer.js';
import { REALMODE_ABILITIES } from '../../src/kvm/abilities.js';
import { kvmPutTceIndirect } from '../../src/kvm/put-tce-indirect.js';
import { kvmStuffTce } from '../../src/kvm/stuff-tce.js';
import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, F_OPCODE, F_OUT_HI, F_OUT_LO, F_REASON, F_RET, F_SEQ, FRAME_BYTES, FRAME_WORDS, clearFrameOutputs } from '../../src/papr/frame.js';
import { F_COST_F64 } from '../../src/shared-memory/frame-slots.js';
import { TierMeter, defaultCosts } from '../../src/pipeline/costs.js';
import { STEP_ANSWERED, STEP_NEXT, vcpuStep } from '../../src/pipeline/steps.js';
import { H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../../src/papr/hcalls.js';
import { H_TOO_HARD } from '../../src/papr/return-codes.js';
import { TIER_REALMODE, TIER_VIRTMODE } from '../../src/papr/tiers.js';
import type { Machine } from '../../src/pipeline/machine.js';
import type { MachineConfig } from '../../src/pipeline/machine-config.js';
import { fastIndirect, realmodeHPutTceIndirect } from '../../src/realmode/h-put-tce-indirect.js';
import { fastClear, realmodeHStuffTce } from '../../src/realmode/h-stuff-tce.js';
import { FAST_MISS } from '../../src/realmode/fast-path.js';
import { Prng } from '../../src/workload/prng.js';
import { machine } from '../machines.js';

const LIOBN = 0x80000000;
/** The default window: 1 GiB of 4 KiB pages; backing pages of 8192 entries. */
const ENTRIES = 262144;
const PER_PAGE = 8192;
/** Where the lists go: 64 list pages from 16 MiB into the 256 MiB of guest RAM. */
const LISTS = 0x1000000;
const RAM = 0x10000000;

interface Logged {
  readonly m: Machine;
  readonly w: EventWriter;
  readonly drain: LogDrain;
  readonly raw: MemoryRecordSink;
}

/** A machine whose tables log to their own ring as a vCPU thread does ('fail', runs of writes), some backing pages present. */
function logged(over: Partial<MachineConfig>, withLog = true): Logged {
  const m = machine('realmode', over);
  // Backing pages 0, 1, 2, 5 and 31 (the last), present through virtual mode before logging starts.
  for (const page of [0, 1, 2, 5, 31]) m.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba: BigInt(page * PER_PAGE * 4096), arg: 0x1000n | 3n });
  // One list page real mode cannot reach (swapped out: absent).
  m.tables.ram.setHostPageState(LISTS + 60 * 0x10000, { absent: true });
  const ring = allocateRing(4096);
  const drain = new LogDrain(ring);
  const raw = new MemoryRecordSink();
  drain.addSink(raw);
  const w = new EventWriter(ring, 'fail');
  if (withLog) m.tables.writeLog = w;
  return { m, w, drain, raw };
}

function frame(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(FRAME_BYTES));
}

/** Mostly what Linux makes; each field sometimes off. Returns the list to write (INDIRECT), as [hi, lo] pairs. */
function randomCall(rng: Prng, f: Int32Array): number[] {
  f.fill(0, 0, FRAME_WORDS);
  const stuff = rng.below(2) === 0;
  const pick = rng.below(24);
  f[F_OPCODE] = stuff ? H_STUFF_TCE : H_PUT_TCE_INDIRECT;
  f[F_LIOBN_LO] = pick === 0 ? 0x80000001 | 0 : LIOBN | 0;
  f[F_LIOBN_HI] = pick === 1 ? 1 : 0;
  const npages = stuff
    ? [0, 1, 2, 16, 512, 512, 512, 8192, 9000, 2 ** 31][rng.below(10)]!
    : pick === 2 ? 513 : [0, 1, 8, 16, 16, 16, 512][rng.below(7)]!;
  f[F_NPAGES_LO] = npages | 0;
  f[F_NPAGES_HI] = pick === 3 ? 1 : 0;
  // Anywhere in the window, often near a backing page's start or the window's end.
  const near = [0, PER_PAGE, 2 * PER_PAGE, 5 * PER_PAGE, 31 * PER_PAGE, ENTRIES - 512, ENTRIES - 8][rng.below(7)]!;
  const index = pick === 4 ? ENTRIES + rng.below(8) : (rng.below(2) === 0 ? near + rng.below(600) - 50 : rng.below(ENTRIES)) & (ENTRIES - 1);
  f[F_IOBA_LO] = (index * 4096 + (pick === 5 ? 8 : 0)) | 0;
  f[F_IOBA_HI] = pick === 6 ? 1 : 0;
  if (stuff) {
    // A clear, a poison value (no permission), a mapping value (H_PARAMETER).
    f[F_ARG_LO] = pick === 7 ? 0x1000 : pick === 8 ? 0x2001 : 0;
    f[F_ARG_HI] = pick === 9 ? 4 : 0;
    return [];
  }
  const listPage = pick === 10 ? 60 : rng.below(60);
  f[F_ARG_LO] = (pick === 11 ? RAM + 0x1000 : LISTS + listPage * 0x10000 + (pick === 12 ? 8 : 0)) | 0;
  f[F_ARG_HI] = pick === 13 ? 1 : 0;
  const list: number[] = [];
  const base = rng.below(RAM / 4096 - 1024) * 4096;
  for (let i = 0; i < npages && i < 512; i++) {
    const bad = rng.below(64);
    const gpa = bad === 0 ? RAM + i * 4096 : bad === 1 ? base + i * 4096 + 0x800 : base + i * 4096;
    // Mapping (read/write/both), or a clear (sometimes with an address outside RAM).
    const perms = bad === 2 ? 0 : 1 + rng.below(3);
    list.push(bad === 3 ? 0x7fff : 0, bad === 2 && rng.below(2) === 0 ? 0 : (gpa | perms) >>> 0);
  }
  return list;
}

function writeList(m: Machine, f: Int32Array, list: readonly number[]): void {
  const at = (f[F_ARG_LO] as number) >>> 0;
  if (f[F_ARG_HI] !== 0 || at + list.length * 4 > RAM) return;
  for (let i = 0; i < list.length; i += 2) m.tables.ram.writeBeHalves(at + i * 4, list[i]!, list[i + 1]!);
}

function agree(over: Partial<MachineConfig>, seed: number, withLog = true): void {
  const fast = logged(over, withLog);
  const full = logged(over, withLog);
  const rng = new Prng(seed, 0);
  const a = frame();
  const b = frame();
  const taken = { stuff: 0, indirect: 0, calls: 0 };
  for (let i = 0; i < 4000; i++) {
    const list = randomCall(rng, a);
    writeList(fast.m, a, list);
    writeList(full.m, a, list);
    b.set(a);
    clearFrameOutputs(a);
    clearFrameOutputs(b);
    fast.w.bind(0, i, TIER_REALMODE);
    full.w.bind(0, i, TIER_REALMODE);
    const stuff = a[F_OPCODE] === H_STUFF_TCE;
    const writes = fast.m.tables.statWrites;
    const ra = stuff ? realmodeHStuffTce(fast.m.tables, a) : realmodeHPutTceIndirect(fast.m.tables, a);
    const rb = stuff ? kvmStuffTce(REALMODE_ABILITIES, full.m.tables, b) : kvmPutTceIndirect(REALMODE_ABILITIES, full.m.tables, b);
    const what = `call ${i}: ${stuff ? 'STUFF' : 'INDIRECT'} ioba=0x${(a[F_IOBA_LO]! >>> 0).toString(16)} npages=${a[F_NPAGES_LO]! >>> 0} arg=0x${(a[F_ARG_LO]! >>> 0).toString(16)}`;
    assert.is(ra, rb, what);
    if (ra === H_TOO_HARD) assert.is(a[F_REASON], b[F_REASON], `${what}: reason`);
    assert.is(a[F_OUT_LO], b[F_OUT_LO], `${what}: out`);
    assert.is(a[F_OUT_HI], b[F_OUT_HI], `${what}: out`);
    assert.is(fast.m.tables.statWrites, full.m.tables.statWrites, `${what}: writes counted`);
    if (fast.m.tables.statWrites !== writes) taken.calls++;
    fast.drain.drain();
    full.drain.drain();
  }
  assert.ok(fast.m.tables.data.every((v, i) => v === full.m.tables.data[i]), 'same table words');
  assert.ok(fast.m.tables.pages.every((v, i) => v === full.m.tables.pages[i]), 'same backing pages');
  assert.is(fast.raw.count, full.raw.count, 'as many log records');
  const ra = fast.raw.words();
  const rb = full.raw.words();
  assert.ok(ra.every((v, i) => v === rb[i]), 'the same log records, word for word');
  // Both fast paths were taken often, and missed often (so both sides of each were compared).
  const probe = logged(over, withLog);
  const p = frame();
  const rng2 = new Prng(seed, 0);
  for (let i = 0; i < 2000; i++) {
    const list = randomCall(rng2, p);
    writeList(probe.m, p, list);
    probe.w.bind(0, i, TIER_REALMODE);
    const hit = p[F_OPCODE] === H_STUFF_TCE ? fastClear(probe.m.tables, p) : fastIndirect(probe.m.tables, p) !== FAST_MISS;
    if (hit) taken[p[F_OPCODE] === H_STUFF_TCE ? 'stuff' : 'indirect']++;
    probe.drain.drain();
  }
  assert.ok(taken.stuff > 100 && taken.stuff < 900, `stuff fast path taken on ${taken.stuff} of ~1000`);
  assert.ok(taken.indirect > 100 && taken.indirect < 900, `indirect fast path taken on ${taken.indirect} of ~1000`);
  assert.ok(taken.calls > 300, `calls that wrote: ${taken.calls}`);
}

test('H_STUFF_TCE and H_PUT_TCE_INDIRECT: fast path and full handler agree (full range check)', () => {
  agree({}, 5);
});

test('H_STUFF_TCE and H_PUT_TCE_INDIRECT: fast path and full handler agree (first-page-only range check)', () => {
  agree({ rangeCheck: 'firstPage' }, 6);
});

test('H_STUFF_TCE and H_PUT_TCE_INDIRECT: fast path and full handler agree on tables that log nothing', () => {
  agree({}, 7, false);
});

/**
 * The full way of vCPU step for a call that starts in real mode (src/pipeline/steps.ts, when no
 * fast path takes it): ENTER, the full handler, then COMPLETE or ESCALATE with the tier's cost.
 */
function fullStep(v: Logged, meter: TierMeter, f: Int32Array, fd: Float64Array, seq: number, clockNs: number): void {
  const t = v.m.tables;
  clearFrameOutputs(f);
  v.w.bind(0, seq, TIER_REALMODE);
  assert.ok(v.w.enter(f, 0, TIER_REALMODE, clockNs));
  meter.mark(t);
  const ret = kvmStuffTce(REALMODE_ABILITIES, t, f);
  fd[F_COST_F64] = meter.cost(TIER_REALMODE, t);
  f[F_RET] = ret;
  if (ret === H_TOO_HARD) assert.ok(v.w.escalate(TIER_REALMODE, f[F_REASON] as number, TIER_VIRTMODE, fd[F_COST_F64] as number));
  else assert.ok(v.w.complete(TIER_REALMODE, ret, f[F_OUT_LO] as number, f[F_OUT_HI] as number, fd[F_COST_F64] as number, -1));
}

test('a vCPU\'s H_STUFF_TCE logged in one reservation: the records, answers, costs and tables of the full way', () => {
  const fast = logged({});
  const full = logged({});
  const costs = defaultCosts();
  const ctx = { t: fast.m.tables, w: fast.w, meter: new TierMeter(costs) };
  const meter = new TierMeter(costs);
  const rng = new Prng(8, 0);
  const a = new Int32Array(new SharedArrayBuffer(FRAME_BYTES));
  const ad = new Float64Array(a.buffer);
  const b = new Int32Array(new SharedArrayBuffer(FRAME_BYTES));
  const bd = new Float64Array(b.buffer);
  let writes = 0;
  let answered = 0;
  for (let i = 0; i < 3000; i++) {
    do randomCall(rng, a); while (a[F_OPCODE] !== H_STUFF_TCE);
    a[F_SEQ] = i;
    b.set(a);
    const clockNs = i * 1000;
    const before = fast.m.tables.statWrites;
    const step = vcpuStep(ctx, TIER_REALMODE, a, ad, clockNs);
    fullStep(full, meter, b, bd, i, clockNs);
    const what = `call ${i}: ioba=0x${(a[F_IOBA_LO]! >>> 0).toString(16)} npages=${a[F_NPAGES_LO]! >>> 0} arg=0x${(a[F_ARG_LO]! >>> 0).toString(16)}`;
    // A call real mode gives up leaves its answer to the next tier (the frame says why).
    assert.is(step, b[F_RET] === H_TOO_HARD ? STEP_NEXT : STEP_ANSWERED, what);
    if (step === STEP_ANSWERED) assert.is(a[F_RET], b[F_RET], what);
    else assert.is(a[F_REASON], b[F_REASON], `${what}: reason`);
    if (step === STEP_ANSWERED) answered++;
    assert.is(ad[F_COST_F64], bd[F_COST_F64], `${what}: modelled cost`);
    assert.is(fast.m.tables.statWrites, full.m.tables.statWrites, `${what}: writes counted`);
    if (fast.m.tables.statWrites > before) writes++;
    fast.drain.drain();
    full.drain.drain();
  }
  assert.ok(answered > 1500 && writes > 300, `calls answered ${answered}, calls that wrote ${writes}`);
  assert.ok(fast.m.tables.data.every((v, i) => v === full.m.tables.data[i]), 'same table words');
  assert.is(fast.raw.count, full.raw.count, 'as many log records');
  const ra = fast.raw.words();
  const rb = full.raw.words();
  assert.ok(ra.every((v, i) => v === rb[i]), 'the same log records, word for word');
});

test('a held table lock sends a fast-path call the full way, which gives up with lock-contended', () => {
  const v = logged({});
  const t = v.m.tables;
  const f = frame();
  f[F_OPCODE] = H_STUFF_TCE;
  f[F_LIOBN_LO] = LIOBN | 0;
  f[F_IOBA_LO] = PER_PAGE * 4096;
  f[F_NPAGES_LO] = 512;
  const slot = t.findKernelTable(0, LIOBN | 0);
  Atomics.store(t.control, t.lockIndex(slot), 1);
  assert.is(realmodeHStuffTce(t, f), H_TOO_HARD);
  f[F_OPCODE] = H_PUT_TCE_INDIRECT;
  f[F_ARG_LO] = LISTS;
  f[F_NPAGES_LO] = 1;
  t.ram.writeBeHalves(LISTS, 0, 0x5003);
  assert.is(realmodeHPutTceIndirect(t, f), H_TOO_HARD);
  Atomics.store(t.control, t.lockIndex(slot), 0);
  assert.is(t.entryLo(slot, PER_PAGE), 0x1003, 'nothing written');
});

test.run();
