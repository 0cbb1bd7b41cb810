/**
 * A full event ring: real mode gives the call up (log-full) without touching a table; the
 * tiers that may wait for room answer it; no event is dropped.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocateRing } from '../../src/events/ring.js';
import { EventWriter } from '../../src/events/writer.js';
import { F_REASON, FRAME_WORDS } from '../../src/papr/frame.js';
import { H_PUT_TCE, H_PUT_TCE_INDIRECT } from '../../src/papr/hcalls.js';
import { REASON_LOG_FULL } from '../../src/papr/reasons.js';
import { H_TOO_HARD } from '../../src/papr/return-codes.js';
import { realmodeHcall } from '../../src/realmode/hcall.js';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { runFigures } from '../../src/report/report.js';
import { Machine } from '../../src/pipeline/machine.js';
import { defaultMachineConfig } from '../../src/pipeline/machine-config.js';
import { setCall } from '../../src/workload/frame-args.js';
import { options, completions, decodeAll } from './support.js';

test('real mode with a full ring answers H_TOO_HARD log-full and writes nothing', () => {
  const m = new Machine(defaultMachineConfig(), 'realmode');
  const shared = allocateRing(16);
  const w = new EventWriter(shared, 'fail');
  m.tables.writeLog = w;
  for (let i = 0; i < 16; i++) w.retry(0, 17, i);
  const slot = m.tables.findTable(0x80000000);
  m.tables.allocatePage(slot, 0);
  const f = new Int32Array(FRAME_WORDS);
  setCall(f, H_PUT_TCE, 0x80000000 | 0, 0, 0x1000, 0, 0x2003, 0);
  assert.is(realmodeHcall(m.tables, f), H_TOO_HARD);
  assert.is(f[F_REASON], REASON_LOG_FULL);
  assert.is(m.tables.entryLo(slot, 1), 0, 'no write the log could not hold');
});

test('an INDIRECT larger than a quarter of the ring leaves real mode (log-full) and is answered in virtual mode', () => {
  const m = new Machine(defaultMachineConfig(), 'realmode');
  const shared = allocateRing(1024);
  m.tables.writeLog = new EventWriter(shared, 'fail');
  const slot = m.tables.findTable(0x80000000);
  m.tables.allocatePage(slot, 0);
  const f = new Int32Array(FRAME_WORDS);
  for (let i = 0; i < 300; i++) m.tables.ram.writeBeHalves(0x10000 + i * 8, 0, 0x20000 + i * 0x1000 + 3);
  setCall(f, H_PUT_TCE_INDIRECT, 0x80000000 | 0, 0, 0, 0, 0x10000, 300);
  assert.is(realmodeHcall(m.tables, f), H_TOO_HARD);
  assert.is(f[F_REASON], REASON_LOG_FULL);
});

test('a run with a tiny ring: calls real mode cannot log go on to virtual mode, and every event is kept', () => {
  const small = runInline(options({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 600, ringRecords: 1024 }));
  const big = runInline(options({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 600, ringRecords: 2 ** 16 }));
  const fs = runFigures(small.stats);
  assert.ok((fs.escalations['log-full'] ?? 0) > 0, 'some calls left real mode because the ring was full');
  assert.is(completions(decodeAll(small)).size, 1200);
  assert.ok(replayVerified(replayRecords(small.records!, small.recordCount)));
  const rets = (r: typeof small): number[] => [...completions(decodeAll(r))].sort().map(([, e]) => e.ret);
  assert.equal(rets(small), rets(big), 'a full log changes paths, never answers');
});

test.run();
