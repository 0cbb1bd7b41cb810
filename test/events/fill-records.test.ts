/**
 * Runs of table writes as one FILL record (log version 2): a vCPU's real mode logs an
 * H_STUFF_TCE, or a Linux-style H_PUT_TCE_INDIRECT list, as one record per run instead of one
 * per entry. The log stays lossless: replayed, it rebuilds exactly the tables (and counts
 * exactly the writes and changed entries) that the same calls logged write by write rebuild,
 * and a run whose entries did not hold what the log says (a lost or reordered write) breaks
 * the write chain.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventDecoder } from '../../src/events/decode.js';
import { LogDrain, MemoryRecordSink } from '../../src/events/drain.js';
import type { TcesimEvent } from '../../src/events/events.js';
import { KIND_FILL, KIND_PAD, KIND_WRITE, R_HEAD, R_P0, RECORD_WORDS, headKind } from '../../src/events/layout.js';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { allocateRing } from '../../src/events/ring.js';
import { recordFinalTables, recordTables } from '../../src/events/table-records.js';
import { EventWriter, type FullPolicy } from '../../src/events/writer.js';
import {
  F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_LO, F_NPAGES_LO, F_OPCODE, F_RET, F_SEQ, F_VCPU, FRAME_BYTES,
} from '../../src/papr/frame.js';
import { H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../../src/papr/hcalls.js';
import { H_SUCCESS } from '../../src/papr/return-codes.js';
import { TIER_REALMODE } from '../../src/papr/tiers.js';
import { TierMeter, defaultCosts } from '../../src/pipeline/costs.js';
import { STEP_ANSWERED, vcpuStep } from '../../src/pipeline/steps.js';
import { CallStats } from '../../src/report/call-stats.js';
import { machine } from '../machines.js';

const LIOBN = 0x80000000;
const LIST_AT = 0x100000;
const PAGE = 0x1000;

type Call =
  | { readonly op: 'put'; readonly index: number; readonly tce: number }
  | { readonly op: 'stuff'; readonly index: number; readonly npages: number; readonly value: number }
  | { readonly op: 'indirect'; readonly index: number; readonly list: readonly number[] };

interface Logged {
  readonly words: Int32Array;
  readonly count: number;
  readonly kinds: number[];
  readonly stats: CallStats;
}

/** The calls made on a fresh machine by a vCPU whose writer has `policy` (only 'wait' logs each write); every call answered in real mode. */
function logCalls(calls: readonly Call[], policy: FullPolicy): Logged {
  const m = machine('realmode');
  // Real mode allocates no backing page: the pages the calls use are faulted in first (a put,
  // then a clear, through the whole pipeline), leaving every entry 0 as replay starts.
  for (let index = 0; index < 4600; index += m.tables.entriesPerPage) {
    m.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba: BigInt(index * PAGE), arg: BigInt(mapped(0x1000)) });
    m.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba: BigInt(index * PAGE), arg: 0n });
  }
  const ring = allocateRing(1 << 16);
  const drain = new LogDrain(ring);
  const sink = new MemoryRecordSink();
  const stats = new CallStats();
  drain.addSink(sink);
  drain.addSink(stats);
  const main = new EventWriter(ring, () => drain.drain());
  m.tables.writeLog = main;
  recordTables(main, m.tables);
  const w = new EventWriter(ring, policy);
  m.tables.writeLog = w;
  const buf = new SharedArrayBuffer(FRAME_BYTES);
  const f = new Int32Array(buf);
  const ctx = { t: m.tables, w, meter: new TierMeter(defaultCosts()) };
  calls.forEach((c, seq) => {
    f.fill(0);
    f[F_VCPU] = 0;
    f[F_SEQ] = seq;
    f[F_LIOBN_LO] = LIOBN | 0;
    f[F_IOBA_LO] = c.index * PAGE;
    f[F_IOBA_HI] = 0;
    if (c.op === 'put') {
      f[F_OPCODE] = H_PUT_TCE;
      f[F_ARG_LO] = c.tce;
    } else if (c.op === 'stuff') {
      f[F_OPCODE] = H_STUFF_TCE;
      f[F_ARG_LO] = c.value;
      f[F_NPAGES_LO] = c.npages;
    } else {
      c.list.forEach((v, i) => m.tables.ram.writeBe64(BigInt(LIST_AT + i * 8), BigInt(v)));
      f[F_OPCODE] = H_PUT_TCE_INDIRECT;
      f[F_ARG_LO] = LIST_AT;
      f[F_ARG_HI] = 0;
      f[F_NPAGES_LO] = c.list.length;
    }
    const step = vcpuStep(ctx, TIER_REALMODE, f, new Float64Array(buf), 0);
    assert.is(step, STEP_ANSWERED, `call ${seq} (${c.op}) answered in real mode`);
    assert.is(f[F_RET], H_SUCCESS, `call ${seq} (${c.op}) succeeded`);
    drain.drain();
  });
  m.tables.writeLog = main;
  recordFinalTables(main, m.tables);
  drain.drain();
  const words = sink.words();
  return { words, count: sink.count, kinds: Array.from({ length: sink.count }, (_, r) => headKind(words[r * RECORD_WORDS + R_HEAD]!)), stats };
}

function decoded(l: Logged): TcesimEvent[] {
  const d = new EventDecoder();
  const out: TcesimEvent[] = [];
  for (let r = 0; r < l.count; r++) d.decode(l.words, r * RECORD_WORDS, out);
  return out;
}

const count = (kinds: readonly number[], kind: number): number => kinds.filter((k) => k === kind).length;
const mapped = (gpa: number): number => gpa | 3;

test('a 512-entry clear after a put is one FILL record: 512 writes, 1 changed; logged write by write it is 512 WRITE records', () => {
  const calls: Call[] = [{ op: 'put', index: 7, tce: mapped(0x200000) }, { op: 'stuff', index: 0, npages: 512, value: 0 }];
  const runs = logCalls(calls, 'fail');
  const each = logCalls(calls, 'wait');
  assert.is(count(runs.kinds, KIND_FILL), 1);
  assert.is(count(runs.kinds, KIND_PAD), 0, 'the reservation was one record: nothing to pad');
  assert.is(count(each.kinds, KIND_WRITE), 512, 'the clear (the put is one CALL record)');
  const fill = decoded(runs).find((e) => e.type === 'table-fill');
  assert.equal(fill ? [fill.index, fill.count, fill.value, fill.step, fill.changed] : null, [0, 512, 0n, 0n, 1]);
  assert.equal(runs.stats.writesByTier, each.stats.writesByTier);
  assert.equal(runs.stats.changesByTier, each.stats.changesByTier);
  assert.equal(runs.stats.writesByTier[TIER_REALMODE], 1 + 512, 'the put and the clear');
  assert.equal(runs.stats.changesByTier[TIER_REALMODE], 2);
  const a = replayRecords(runs.words, runs.count);
  const b = replayRecords(each.words, each.count);
  assert.ok(replayVerified(a), 'the FILL log replays to its final tables');
  assert.ok(replayVerified(b));
  assert.is(a.writes, b.writes);
  assert.equal(a.tables, b.tables);
});

test('a Linux indirect list (each entry one page on) is one FILL with that step; a list that breaks the step is two', () => {
  const even = Array.from({ length: 16 }, (_, i) => mapped(0x300000 + i * PAGE));
  const broken = [...even.slice(0, 5), mapped(0x900000), ...even.slice(6)];
  for (const [list, runs] of [[even, 1], [broken, 3]] as const) {
    const l = logCalls([{ op: 'indirect', index: 32, list }], 'fail');
    const fills = decoded(l).filter((e) => e.type === 'table-fill');
    // The broken entry starts a run whose step is set by the entry after it, which breaks it again.
    assert.is(fills.length + count(l.kinds, KIND_WRITE), runs, `${runs} run(s) for ${list === even ? 'the even list' : 'the broken list'}`);
    if (list === even) assert.equal(fills[0]?.type === 'table-fill' ? [fills[0].count, fills[0].value, fills[0].step] : null, [16, BigInt(even[0]!), BigInt(PAGE)]);
    assert.is(count(l.kinds, KIND_PAD), 0, 'the records reserved for 16 writes and not used went back to the ring');
    const each = logCalls([{ op: 'indirect', index: 32, list }], 'wait');
    assert.equal(replayRecords(l.words, l.count).tables, replayRecords(each.words, each.count).tables);
    assert.ok(replayVerified(replayRecords(l.words, l.count)));
  }
});

test('a single write is still a WRITE record with its old value (the log is unchanged where nothing runs)', () => {
  const l = logCalls([{ op: 'stuff', index: 3, npages: 1, value: 0 }, { op: 'put', index: 3, tce: mapped(0x5000) }, { op: 'stuff', index: 3, npages: 1, value: 0 }], 'fail');
  assert.is(count(l.kinds, KIND_FILL), 0);
  const writes = decoded(l).filter((e) => e.type === 'table-write');
  assert.equal(writes.map((e) => [e.index, e.old, e.value]), [[3, 0n, 0n], [3, 0n, BigInt(mapped(0x5000))], [3, BigInt(mapped(0x5000)), 0n]]);
  assert.is(count(l.kinds, KIND_WRITE), 2, 'the stuffs (the put is a CALL record)');
});

test('a run that finds other values than the log says breaks the write chain (a lost write, a corrupt digest)', () => {
  const l = logCalls([{ op: 'put', index: 9, tce: mapped(0x7000) }, { op: 'stuff', index: 0, npages: 64, value: 0 }], 'fail');
  assert.ok(replayVerified(replayRecords(l.words, l.count)));
  const fillAt = l.kinds.indexOf(KIND_FILL);
  // Lose the put: its CALL record becomes padding.
  const lost = l.words.slice();
  const callAt = l.kinds.findIndex((k, r) => r < fillAt && k !== KIND_PAD && k !== 7 && k !== KIND_FILL);
  lost[callAt * RECORD_WORDS + R_HEAD] = KIND_PAD;
  const r1 = replayRecords(lost, l.count);
  assert.is(r1.chainBreaks.length, 1);
  assert.is(r1.chainBreaks[0]!.record, fillAt);
  assert.match(r1.chainBreaks[0]!.run?.logged ?? '', /changed 1$/);
  assert.match(r1.chainBreaks[0]!.run?.expected ?? '', /changed 0$/);
  // Corrupt the digest word.
  const bad = l.words.slice();
  bad[fillAt * RECORD_WORDS + R_P0 + 8] = (bad[fillAt * RECORD_WORDS + R_P0 + 8] as number) ^ 1;
  assert.is(replayRecords(bad, l.count).chainBreaks.length, 1);
});

test('seeded random calls: logged as runs or write by write, the same tables, writes and changed entries', () => {
  const index = fc.integer({ min: 0, max: 4000 });
  const value = fc.integer({ min: 0, max: 0x3ff }).map((p) => mapped(p * PAGE));
  const call: fc.Arbitrary<Call> = fc.oneof(
    fc.record({ op: fc.constant('put' as const), index, tce: fc.oneof(value, fc.constant(0)) }),
    fc.record({ op: fc.constant('stuff' as const), index, npages: fc.integer({ min: 1, max: 512 }), value: fc.constant(0) }),
    fc.record({
      op: fc.constant('indirect' as const), index,
      list: fc.array(fc.oneof(value, fc.constant(0)), { minLength: 1, maxLength: 24 }).chain((vs) =>
        fc.boolean().map((even) => (even ? vs.map((_, i) => (vs[0] === 0 ? 0 : vs[0]! + i * PAGE)) : vs))),
    }),
  );
  fc.assert(fc.property(fc.array(call, { minLength: 1, maxLength: 30 }), (calls) => {
    const runs = logCalls(calls, 'fail');
    const each = logCalls(calls, 'wait');
    const a = replayRecords(runs.words, runs.count);
    const b = replayRecords(each.words, each.count);
    assert.ok(replayVerified(a), 'runs replay');
    assert.ok(replayVerified(b));
    assert.equal(a.tables, b.tables);
    assert.is(a.writes, b.writes);
    assert.equal(runs.stats.writesByTier, each.stats.writesByTier);
    assert.equal(runs.stats.changesByTier, each.stats.changesByTier);
    assert.ok(runs.count <= each.count);
  }), { seed: 13, numRuns: 60 });
});

test.run();
