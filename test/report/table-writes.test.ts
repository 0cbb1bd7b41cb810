/**
 * The report's "table writes" column counts every store into a table entry, a store of the
 * value it held included, and "entries changed" those that changed it: both checked against the
 * log's decoded writes, on a workload where they differ.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInline } from '../../src/pipeline/inline-run.js';
import { TIER_NAMES } from '../../src/papr/tiers.js';
import { formatReport } from '../../src/report/report.js';
import { decodeAll, options } from '../pipeline/support.js';

test('table writes and entries changed per tier are what the log\'s writes say', () => {
  const r = runInline(options({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 2000, seed: 3 }));
  const writes = [0, 0, 0];
  const changes = [0, 0, 0];
  for (const e of decodeAll(r)) {
    if (e.type !== 'table-write') continue;
    const tier = TIER_NAMES.indexOf(e.tier);
    writes[tier]!++;
    if (e.old !== e.value) changes[tier]!++;
  }
  assert.equal(r.stats.writesByTier, writes);
  assert.equal(r.stats.changesByTier, changes);
  assert.ok(changes[0]! < writes[0]!, `the workload rewrites entries with the value they hold (${changes[0]} of ${writes[0]} changed)`);
  const text = formatReport({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 2000, seed: 3 }, r.stats);
  assert.match(text, new RegExp(`realmode\\s+[\\d,]+\\s+[\\d.]+%\\s+[\\d.,]+\\s+${writes[0]!.toLocaleString('en-US')}\\s+${changes[0]!.toLocaleString('en-US')}`));
  assert.match(text, /table writes: every store into a table entry .* entries changed: the writes that changed it/);
});

test.run();
