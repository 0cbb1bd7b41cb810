/**
 * A pool worker that dies inside a multi-record reservation (an 8-entry H_STUFF_TCE or
 * H_PUT_TCE_INDIRECT writing its entries): the slots it reserved and did not fill are padded,
 * the call is retried and completes once, and the log passes every check of the log reader.
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

test('a worker dying mid-reservation leaves padding, one retry, and a log that verifies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcesim-pad-'));
  try {
    const log = join(dir, 'crash.tcelog');
    const r = await runThreaded(options({ mode: 'virtmode', workload: 'storage', vcpus: 1, calls: 300, crashPoolAtWrite: 9, poolTasksPerWorker: 1, log }));
    assert.is(r.workerCrashes, 1);
    let pads = 0;
    for (let i = 0; i < r.recordCount; i++) if (headKind(r.records![i * RECORD_WORDS + R_HEAD] as number) === KIND_PAD) pads++;
    assert.ok(pads > 0, 'the dead worker\'s unused reservation was padded');
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
