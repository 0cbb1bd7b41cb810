/**
 * The report's "table writes" column counts every store into a table entry, a store of the
 * value it held included, and "entries changed" those that changed it: both checked against the
 * log's decoded writes, on a workload where they differ. A run of writes (a FILL record) counts
 * its writes; how many changed their entry the replay recounts from the tables it rebuilds (a
 * wrong count would break its write chain).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInline } from '../../src/pipeline/inline-run.js';
import { TIER_NAMES } from '../../src/papr/tiers.js';
import { formatReport } from '../../src/report/report.js';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { RECORD_WORDS } from '../../src/events/layout.js';
import { decodeAll, options } from '../pipeline/support.js';

test('table writes and entries changed per tier are what the log\'s writes say', () => {
  const r = runInline(options({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 2000, seed: 3 }));
  const writes = [0, 0, 0];
  const changes = [0, 0, 0];
  let runs = 0;
  for (const e of decodeAll(r)) {
    if (e.type === 'table-fill') {
      runs++;
      writes[TIER_NAMES.indexOf(e.tier)]! += e.count;
      changes[TIER_NAMES.indexOf(e.tier)]! += e.changed;
      continue;
    }
    if (e.type !== 'table-write') continue;
    const tier = TIER_NAMES.indexOf(e.tier);
    writes[tier]!++;
    if (e.old !== e.value) changes[tier]!++;
  }
  assert.ok(runs > 0, 'the workload has runs of writes');
  const records = r.records as Int32Array;
  assert.ok(replayVerified(replayRecords(records, records.length / RECORD_WORDS)), 'every run found the entries it says it changed');
  assert.equal(r.stats.writesByTier, writes);
  assert.equal(r.stats.changesByTier, changes);
  assert.ok(changes[0]! < writes[0]!, `the workload rewrites entries with the value they hold (${changes[0]} of ${writes[0]} changed)`);
  const text = formatReport({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 2000, seed: 3 }, r.stats);
  assert.match(text, new RegExp(`realmode\\s+[\\d,]+\\s+[\\d.]+%\\s+[\\d.,]+\\s+${writes[0]!.toLocaleString('en-US')}\\s+${changes[0]!.toLocaleString('en-US')}`));
  assert.match(text, /table writes: every store into a table entry .* entries changed: the writes that changed it/);
});

test.run();
