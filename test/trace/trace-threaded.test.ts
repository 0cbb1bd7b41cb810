import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TIER_REALMODE, TIER_USERSPACE } from '../../src/papr/tiers.js';
import { defaultRunOptions } from '../../src/pipeline/run-options.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { SAMPLE_HCALLS, SAMPLE_TRACE } from './support.js';

test('the sample on the threaded pipeline in realmode: every call answered H_SUCCESS, none needing userspace', async () => {
  let completed = 0;
  let failed = 0;
  const r = await runThreaded({
    ...defaultRunOptions(), mode: 'realmode', vcpus: 1, workload: 'trace', workloadParams: { file: SAMPLE_TRACE }, calls: SAMPLE_HCALLS,
    ringRecords: 2 ** 16,
  }, undefined, (events$) => events$.subscribe((e) => {
    if (e.type !== 'hcall-completed') return;
    completed++;
    if (e.ret !== 0) failed++;
  }));
  assert.is(completed, SAMPLE_HCALLS);
  assert.is(failed, 0);
  assert.is(r.stats.completed, SAMPLE_HCALLS);
  assert.is(r.stats.tierCalls[TIER_USERSPACE], 0);
  // Each table's first map leaves real mode to allocate a backing page; the rest stay in real mode.
  assert.ok((r.stats.tierCalls[TIER_REALMODE] ?? 0) > SAMPLE_HCALLS * 0.99);
});

test.run();
