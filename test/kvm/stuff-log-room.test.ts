/**
 * H_STUFF_TCE reserves event-log room for the write records it can need, counted under the
 * table lock: clearing entries whose backing page was never allocated writes nothing, so it
 * reserves (and pads) nothing — a boot-time clear of an empty table fits even a tiny ring. A
 * vCPU logs the writes of one backing page as one run (a FILL record); a pool worker, which
 * may die mid-call, logs each write.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogDrain, MemoryRecordSink } from '../../src/events/drain.js';
import { KIND_FILL, KIND_PAD, KIND_WRITE, R_HEAD, R_P0, RECORD_WORDS, headKind } from '../../src/events/layout.js';
import { allocateRing } from '../../src/events/ring.js';
import { EventWriter, type FullPolicy } from '../../src/events/writer.js';
import { F_IOBA_LO, F_LIOBN_LO, F_NPAGES_LO, F_OPCODE, F_RET, FRAME_BYTES } from '../../src/papr/frame.js';
import { H_PUT_TCE, H_STUFF_TCE } from '../../src/papr/hcalls.js';
import { H_SUCCESS } from '../../src/papr/return-codes.js';
import { TIER_REALMODE } from '../../src/papr/tiers.js';
import { TierMeter, defaultCosts } from '../../src/pipeline/costs.js';
import { STEP_ANSWERED, vcpuStep } from '../../src/pipeline/steps.js';
import { machine } from '../machines.js';

const LIOBN = 0x80000000;

function run(ringRecords: number, allocateFirstPage: boolean, policy: FullPolicy = 'fail'): { answered: boolean; kinds: number[]; fillCounts: number[] } {
  const m = machine('realmode');
  if (allocateFirstPage) m.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba: 0n, arg: 0x1000n | 1n });
  const ring = allocateRing(ringRecords);
  const drain = new LogDrain(ring);
  const sink = new MemoryRecordSink();
  drain.addSink(sink);
  const w = new EventWriter(ring, policy);
  m.tables.writeLog = w;
  const buf = new SharedArrayBuffer(FRAME_BYTES);
  const f = new Int32Array(buf);
  f[F_OPCODE] = H_STUFF_TCE;
  f[F_LIOBN_LO] = LIOBN | 0;
  f[F_IOBA_LO] = 0;
  f[F_NPAGES_LO] = 512;
  const answered = vcpuStep({ t: m.tables, w, meter: new TierMeter(defaultCosts()) }, TIER_REALMODE, f, new Float64Array(buf), 0) === STEP_ANSWERED;
  if (answered) assert.is(f[F_RET], H_SUCCESS);
  drain.drain();
  const words = sink.words();
  const kinds = Array.from({ length: sink.count }, (_, r) => headKind(words[r * RECORD_WORDS + R_HEAD]!));
  const fillCounts = kinds.flatMap((k, r) => (k === KIND_FILL ? [words[r * RECORD_WORDS + R_P0 + 2]!] : []));
  return { answered, kinds, fillCounts };
}

test('a 512-entry clear of a never-written table writes and pads nothing, even in a 16-record ring', () => {
  const r = run(16, false);
  assert.ok(r.answered, 'real mode answered it');
  assert.is(r.kinds.filter((k) => k === KIND_WRITE).length, 0);
  assert.is(r.kinds.filter((k) => k === KIND_PAD).length, 0);
});

test('a 512-entry clear inside an allocated backing page logs one run of 512 writes and no padding', () => {
  const r = run(4096, true);
  assert.ok(r.answered);
  assert.equal(r.fillCounts, [512]);
  assert.is(r.kinds.filter((k) => k === KIND_WRITE).length, 0);
  assert.is(r.kinds.filter((k) => k === KIND_PAD).length, 0);
});

test('logged write by write (a writer that waits, as a pool worker\'s), the same clear is 512 WRITE records and no padding', () => {
  const r = run(4096, true, 'wait');
  assert.ok(r.answered);
  assert.is(r.kinds.filter((k) => k === KIND_WRITE).length, 512);
  assert.is(r.kinds.filter((k) => k === KIND_FILL).length, 0);
  assert.is(r.kinds.filter((k) => k === KIND_PAD).length, 0);
});

test.run();
