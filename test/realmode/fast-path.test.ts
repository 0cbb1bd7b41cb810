/**
 * Real mode's fast path (src/realmode/fast-path.ts) against the full KVM handler: the same
 * answers, reasons and tables on random calls, and the one-record CALL log entry decodes to the
 * events the full path logs for the same call.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventDecoder } from '../../src/events/decode.js';
import { LogDrain, MemoryRecordSink } from '../../src/events/drain.js';
import type { TcesimEvent } from '../../src/events/events.js';
import { KIND_CALL, RECORD_WORDS, headKind, R_HEAD } from '../../src/events/layout.js';
import { allocateRing } from '../../src/events/ring.js';
import { recordTables } from '../../src/events/table-records.js';
import { EventWriter } from '../../src/events/writer.js';
import { REALMODE_ABILITIES } from '../../src/kvm/abilities.js';
import { kvmGetTce } from '../../src/kvm/get-tce.js';
import { kvmPutTce } from '../../src/kvm/put-tce.js';
import { F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_LO, F_OPCODE, F_OUT_HI, F_OUT_LO, F_REASON, F_RET, F_SEQ, F_VCPU, FRAME_BYTES, FRAME_WORDS, clearFrameOutputs } from '../../src/papr/frame.js';
import { F_PENDING_REASON } from '../../src/shared-memory/frame-slots.js';
import { H_GET_TCE, H_PUT_TCE } from '../../src/papr/hcalls.js';
import { REASON_LOCK_CONTENDED, REASON_LOG_FULL, REASON_NO_TABLE } from '../../src/papr/reasons.js';
import { H_PARAMETER, H_SUCCESS, H_TOO_HARD } from '../../src/papr/return-codes.js';
import { TIER_REALMODE } from '../../src/papr/tiers.js';
import { TierMeter, defaultCosts } from '../../src/pipeline/costs.js';
import { STEP_ANSWERED, STEP_NEXT, vcpuStep } from '../../src/pipeline/steps.js';
import { FAST_MISS, fastGetEntry, fastPutEntry } from '../../src/realmode/fast-path.js';
import { realmodeHGetTce } from '../../src/realmode/h-get-tce.js';
import { realmodeHPutTce } from '../../src/realmode/h-put-tce.js';
import { Prng } from '../../src/workload/prng.js';
import { machine } from '../machines.js';

const LIOBN = 0x80000000;
/** Entries the random calls aim at: two backing pages (8192 entries each) and a bit beyond the window. */
const ENTRIES = 262144;

function frame(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(FRAME_BYTES));
}

/** A call that is often a fast-path one and often not: every field sometimes off. */
function randomCall(rng: Prng, f: Int32Array): void {
  f.fill(0, 0, FRAME_WORDS);
  const pick = rng.below(16);
  f[F_OPCODE] = rng.below(4) === 0 ? H_GET_TCE : H_PUT_TCE;
  f[F_LIOBN_LO] = pick === 0 ? 0x80000001 | 0 : LIOBN | 0;
  f[F_LIOBN_HI] = pick === 1 ? 1 : 0;
  const index = pick === 2 ? ENTRIES + rng.below(8) : rng.below(3 * 8192);
  f[F_IOBA_LO] = (index * 4096 + (pick === 3 ? 8 : 0)) | 0;
  f[F_IOBA_HI] = pick === 4 ? 1 : 0;
  const gpa = pick === 5 ? 0x40000000 + rng.below(1024) * 4096 : rng.below(0x10000000 / 4096) * 4096;
  const perms = pick === 6 ? 0 : 1 + rng.below(3);
  f[F_ARG_LO] = (pick === 7 ? gpa + 0x800 : gpa) | perms;
  f[F_ARG_HI] = pick === 8 ? 2 : 0;
  f[F_NPAGES_LO] = pick === 9 ? 1 : 0;
}

test('fast path and full handler agree on random calls: answer, reason, output and every entry', () => {
  const fast = machine('realmode');
  const full = machine('realmode');
  // Allocate the first two backing pages in both, through virtual mode; the third stays missing.
  for (const m of [fast, full]) {
    for (const ioba of [0n, 8192n * 4096n]) m.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba, arg: 0x1000n | 1n });
  }
  const rng = new Prng(11, 0);
  const a = frame();
  const b = frame();
  let fastCalls = 0;
  for (let i = 0; i < 20000; i++) {
    randomCall(rng, a);
    b.set(a);
    clearFrameOutputs(a);
    clearFrameOutputs(b);
    const isPut = a[F_OPCODE] === H_PUT_TCE;
    if ((isPut ? fastPutEntry(fast.tables, a) : fastGetEntry(fast.tables, a)) !== FAST_MISS) fastCalls++;
    const ra = isPut ? realmodeHPutTce(fast.tables, a) : realmodeHGetTce(fast.tables, a);
    const rb = isPut ? kvmPutTce(REALMODE_ABILITIES, full.tables, b) : kvmGetTce(REALMODE_ABILITIES, full.tables, b);
    const what = `call ${i}: ${isPut ? 'PUT' : 'GET'} ioba=0x${(a[F_IOBA_LO]! >>> 0).toString(16)} tce=0x${(a[F_ARG_LO]! >>> 0).toString(16)}`;
    assert.is(ra, rb, what);
    if (ra === H_TOO_HARD) assert.is(a[F_REASON], b[F_REASON], `${what}: reason`);
    assert.is(a[F_OUT_LO], b[F_OUT_LO], `${what}: out`);
    assert.is(a[F_OUT_HI], b[F_OUT_HI], `${what}: out`);
  }
  assert.ok(fastCalls > 5000 && fastCalls < 15000, `both paths taken (${fastCalls} of 20000 on the fast one)`);
  assert.ok(fast.tables.data.every((v, i) => v === full.tables.data[i]), 'same table words');
});

test('the fast path sees a table removed, and created again with another geometry', () => {
  const m = machine('realmode');
  const t = m.tables;
  m.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba: 0n, arg: 0x1000n | 1n });
  const f = frame();
  f[F_OPCODE] = H_PUT_TCE;
  f[F_LIOBN_LO] = LIOBN | 0;
  f[F_IOBA_LO] = 4096;
  f[F_ARG_LO] = 0x2000 | 1;
  assert.is(realmodeHPutTce(t, f), H_SUCCESS, 'fast path, table copied');
  t.remove(t.findKernelTable(0, LIOBN | 0));
  assert.is(realmodeHPutTce(t, f), H_TOO_HARD, 'no table any more');
  assert.is(f[F_REASON], REASON_NO_TABLE);
  // Same LIOBN, 64 KiB pages: ioba 4096 is misaligned now, and the stale 4 KiB copy must not be used.
  t.create({ liobn: LIOBN, busOffset: 0n, pageShift: 16, entries: 1024, inKernel: true });
  m.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba: 0n, arg: 0x10000n | 1n });
  clearFrameOutputs(f);
  assert.is(realmodeHPutTce(t, f), H_PARAMETER);
  f[F_IOBA_LO] = 65536;
  f[F_ARG_LO] = 0x20000 | 1;
  assert.is(realmodeHPutTce(t, f), H_SUCCESS);
  assert.is(t.entryLo(t.findKernelTable(0, LIOBN | 0), 1), 0x20001);
});

/** A machine, a ring and a vCPU's step context; records go through the drain to memory. */
function loggedVcpu(ringRecords = 1024): {
  step: (f: Int32Array, fd: Float64Array) => number; events: () => TcesimEvent[]; raw: MemoryRecordSink; ring: ReturnType<typeof allocateRing>;
  m: ReturnType<typeof machine>;
} {
  const m = machine('realmode');
  m.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba: 0n, arg: 0x2000n | 3n });
  const ring = allocateRing(ringRecords);
  const drain = new LogDrain(ring);
  const raw = new MemoryRecordSink();
  drain.addSink(raw);
  const main = new EventWriter(ring, () => drain.drain());
  recordTables(main, m.tables);
  const w = new EventWriter(ring, 'fail');
  m.tables.writeLog = w;
  const ctx = { t: m.tables, w, meter: new TierMeter(defaultCosts()) };
  return {
    m, raw, ring,
    step: (f, fd) => vcpuStep(ctx, TIER_REALMODE, f, fd, 5000),
    events: () => {
      drain.drain();
      const dec = new EventDecoder();
      const out: TcesimEvent[] = [];
      const words = raw.words();
      for (let r = 0; r < raw.count; r++) dec.decode(words, r * RECORD_WORDS, out);
      return out;
    },
  };
}

function putFrame(index: number, tceLo: number): { f: Int32Array; fd: Float64Array } {
  const buf = new SharedArrayBuffer(FRAME_BYTES);
  const f = new Int32Array(buf);
  f[F_OPCODE] = H_PUT_TCE;
  f[F_LIOBN_LO] = LIOBN | 0;
  f[F_IOBA_LO] = index * 4096;
  f[F_ARG_LO] = tceLo;
  f[F_VCPU] = 0;
  f[F_SEQ] = 7;
  return { f, fd: new Float64Array(buf) };
}

test('a fast-path H_PUT_TCE is one CALL record that decodes to entered, tried, write, completed', () => {
  const v = loggedVcpu();
  const { f, fd } = putFrame(5, 0x3000 | 3);
  assert.is(v.step(f, fd), STEP_ANSWERED);
  assert.is(f[F_RET], H_SUCCESS);
  const all = v.events();
  const words = v.raw.words();
  const kinds = Array.from({ length: v.raw.count }, (_, r) => headKind(words[r * RECORD_WORDS + R_HEAD]!));
  assert.is(kinds.filter((k) => k === KIND_CALL).length, 1, 'one CALL record');
  const calls = all.filter((e) => 'seq' in e && e.seq === 7);
  const costs = defaultCosts();
  assert.equal(calls.map((e) => e.type), ['hcall-entered', 'tier-tried', 'table-write', 'hcall-completed']);
  const [entered, , write, done] = calls;
  assert.equal(entered, {
    type: 'hcall-entered', vcpu: 0, seq: 7, thread: { kind: 'vcpu', id: 0 }, opcode: H_PUT_TCE, hcall: 'H_PUT_TCE',
    liobn: BigInt(LIOBN), ioba: 5n * 4096n, arg: 0x3003n, npages: 0n, clockNs: 5000,
  });
  assert.equal(write, {
    type: 'table-write', vcpu: 0, seq: 7, thread: { kind: 'vcpu', id: 0 }, tier: 'realmode', table: { kind: 'guest', id: LIOBN },
    index: 5, old: 0n, value: 0x3003n,
  });
  assert.equal(done, {
    type: 'hcall-completed', vcpu: 0, seq: 7, thread: { kind: 'vcpu', id: 0 }, tier: 'realmode', ret: H_SUCCESS, retName: 'H_SUCCESS',
    out: 0n, costNs: costs.realmodeEntry + costs.realmodePerEntry, wallUs: -1,
  });
});

test('a fast-path H_GET_TCE logs the value it read', () => {
  const v = loggedVcpu();
  const { f, fd } = putFrame(0, 0);
  f[F_OPCODE] = H_GET_TCE;
  assert.is(v.step(f, fd), STEP_ANSWERED);
  assert.is(f[F_OUT_LO], 0x2003);
  const done = v.events().find((e) => e.type === 'hcall-completed');
  assert.ok(done !== undefined && done.out === 0x2003n && done.tier === 'realmode');
});

test('a held lock or a full ring sends the call the full way, which gives up with its reason', () => {
  const v = loggedVcpu();
  const t = v.m.tables;
  const slot = t.findKernelTable(0, LIOBN | 0);
  Atomics.store(t.control, t.lockIndex(slot), 1);
  const { f, fd } = putFrame(3, 0x4000 | 1);
  assert.is(v.step(f, fd), STEP_NEXT);
  assert.is(f[F_REASON], REASON_LOCK_CONTENDED);
  Atomics.store(t.control, t.lockIndex(slot), 0);
  const esc = v.events().filter((e) => e.type === 'escalated');
  assert.equal(esc.map((e) => e.reason), ['lock-contended']);

  // Fill the ring (nothing drains it), then call: real mode cannot even log that it started.
  const small = loggedVcpu(16);
  let answered = 0;
  for (;;) {
    const { f: g, fd: gd } = putFrame(1 + (answered % 8), 0x5000 | 1);
    if (small.step(g, gd) === STEP_NEXT) {
      assert.is(g[F_PENDING_REASON], REASON_LOG_FULL);
      break;
    }
    answered++;
    assert.ok(answered <= 16, 'the ring fills');
  }
  assert.ok(answered > 0, 'fast-path calls were logged until the ring was full');
});

test.run();
