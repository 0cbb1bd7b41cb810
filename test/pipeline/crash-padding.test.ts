/**
 * A pool worker that dies inside a multi-record reservation (an 8-entry H_STUFF_TCE or
 * H_PUT_TCE_INDIRECT writing its entries): the slots it reserved and did not fill are padded,
 * the call is retried and completes once, and the log passes every check of the log reader.
 *
 * The ring is small (RING records) and the crash comes late (pool write CRASH_AT), so the ring
 * has come round before the worker dies: the slots it reserved still hold records of the
 * previous lap. A padding marker is the record kind 0, which a fresh slot already reads as; on a
 * fresh slot, recovery that published the slots without writing the marker would pass. On a
 * slot of the previous lap it publishes an old record again, which the checks below catch
 * (docs/defect-tests.md says how that was tried).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KIND_PAD, RECORD_WORDS, R_HEAD, headKind } from '../../src/events/layout.js';
import { readCheckedLog } from '../../src/events/log-check.js';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { completions, decodeAll, options } from './support.js';

/** The smallest ring a run takes. */
const RING = 1024;
/** Late enough that the ring has come round (a storage call logs tens of records). */
const CRASH_AT = 1500;

test('a worker dying mid-reservation, in slots the ring has used before, leaves padding, one retry, and a log that verifies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcesim-pad-'));
  try {
    const log = join(dir, 'crash.tcelog');
    const r = await runThreaded(options({ mode: 'virtmode', workload: 'storage', vcpus: 1, calls: 300, crashPoolAtWrite: CRASH_AT, poolTasksPerWorker: 1, log, ringRecords: RING }));
    assert.is(r.workerCrashes, 1);
    const pads: number[] = [];
    for (let i = 0; i < r.recordCount; i++) if (headKind(r.records![i * RECORD_WORDS + R_HEAD] as number) === KIND_PAD) pads.push(i);
    assert.ok(pads.length > 0, 'the dead worker\'s unused reservation was padded');
    // Ring position i is slot i % RING: at or beyond RING, the slot held a record of the previous lap.
    assert.ok(pads.every((i) => i >= RING), `padding at ring positions ${pads.join(',')}: in slots used before`);
    const events = decodeAll(r);
    assert.is(events.filter((e) => e.type === 'retried').length, 1);
    assert.is(completions(events).size, 300, 'every call completed exactly once');
    assert.ok(replayVerified(replayRecords(r.records!, r.recordCount)));
    const checked = readCheckedLog(log);
    assert.is(checked.unfinished, null);
    assert.is(checked.callsCompleted, 300);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
