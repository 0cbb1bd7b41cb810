/**
 * The new workloads on real threads: built on each vCPU's worker (ddw marks guest RAM's host
 * pages huge from there), they make exactly the calls, paths, modelled figures and tables of
 * the inline run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayRecords } from '../../src/events/replay.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions, type RunOptions } from '../../src/pipeline/run-options.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { runFigures } from '../../src/report/report.js';

const CASES: [string, Record<string, string>][] = [
  ['storage', {}],
  ['boot', { window: '16M' }],
  ['ddw', {}],
  ['nic', { buffer: '64K', map: 'indirect', unmap: 'stuff' }],
];

for (const [workload, params] of CASES) {
  test(`${workload}: the threaded run agrees exactly with the inline run (realmode, 2 vCPUs)`, async () => {
    const o: RunOptions = {
      ...defaultRunOptions(), workload, workloadParams: params, vcpus: 2, calls: 400, seed: 17, mode: 'realmode',
      keepRecords: true, ringRecords: 2 ** 19,
    };
    const a = await runThreaded(o);
    const b = runInline(o);
    const fa = runFigures(a.stats);
    const fb = runFigures(b.stats);
    assert.is(fa.modelledMs, fb.modelledMs);
    assert.equal(fa.escalations, fb.escalations);
    assert.equal(fa.answeredBy, fb.answeredBy);
    if (workload === 'ddw') assert.is(fa.escalations['list-unreachable'], 2 * 199, 'the huge pages marked on the vCPU threads are seen by real mode');
    assert.equal(a.vcpus, b.vcpus);
    const ta = replayRecords(a.records!, a.recordCount);
    const tb = replayRecords(b.records!, b.recordCount);
    assert.is(ta.mismatches.length, 0);
    assert.equal([...ta.recorded!].sort(), [...tb.recorded!].sort());
  });
}

test.run();
