/**
 * Hop times (src/pipeline/hop-times.ts): one clock for every thread, a histogram whose median
 * lands in the right bucket, and a run that counts each hop its calls make.
 */
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HOP_TO_POOL, HOP_TO_VCPU, allocateHopTimes, hopSummaries, recordHop } from '../../src/pipeline/hop-times.js';
import { sharedClockMs } from '../../src/shared-memory/shared-clock.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { runFigures } from '../../src/report/report.js';
import { options } from './support.js';

test('the shared clock reads the same on another thread (its own performance.now() does not)', async () => {
  const url = new URL('../../src/shared-memory/shared-clock.js', import.meta.url).href;
  const w = new Worker(`
    import('${url}').then((m) => {
      const { parentPort } = require('node:worker_threads');
      parentPort.on('message', () => parentPort.postMessage(m.sharedClockMs()));
    });
  `, { eval: true });
  await new Promise((r) => setTimeout(r, 50));
  const gaps: number[] = [];
  for (let i = 0; i < 20; i++) {
    const before = sharedClockMs();
    w.postMessage(0);
    const there = await new Promise<number>((r) => w.once('message', r));
    const after = sharedClockMs();
    assert.ok(there >= before - 0.01 && there <= after + 0.01, `${there} within [${before}, ${after}]`);
    gaps.push(after - before);
  }
  await w.terminate();
  assert.ok(Math.min(...gaps) > 0);
});

test('a bucket past 2^31 hops (its Int32 word negative) still counts them all', () => {
  const times = new Int32Array(allocateHopTimes());
  recordHop(times, HOP_TO_POOL, sharedClockMs() - 0.04);
  const b = times.findIndex((k) => k === 1);
  const one = hopSummaries(times)[HOP_TO_POOL]!;
  times[b] = 2 ** 31 + 5; // what Atomics.add leaves there after 2^31 + 5 hops: -2147483643
  assert.ok(times[b] < 0);
  const s = hopSummaries(times)[HOP_TO_POOL]!;
  assert.is(s.count, 2 ** 31 + 5);
  assert.is(s.medianUs, one.medianUs, 'the same bucket, the same median');
  assert.ok(Math.abs(s.meanUs - one.meanUs) < 1e-9, 'one bucket: its middle is the mean');
});

test('the median and mean of recorded hops fall in the right bucket (the median within 5%, the mean within 10%)', () => {
  const times = new Int32Array(allocateHopTimes());
  // 9 hops of ~40.7 us, 2 of ~1 ms to the pool; 3 of ~81.4 us back to the vCPU (each begun that
  // long before it is recorded; both lie mid-bucket, a microsecond or more from its edges, so
  // the moment between reading the clock and recording moves neither).
  for (let i = 0; i < 12; i++) recordHop(times, HOP_TO_VCPU, sharedClockMs() - 0.0814); // warm up recordHop
  times.fill(0);
  for (let i = 0; i < 9; i++) recordHop(times, HOP_TO_POOL, sharedClockMs() - 0.0407);
  for (let i = 0; i < 2; i++) recordHop(times, HOP_TO_POOL, sharedClockMs() - 1);
  for (let i = 0; i < 3; i++) recordHop(times, HOP_TO_VCPU, sharedClockMs() - 0.0814);
  const [pool, user, vcpu] = hopSummaries(times);
  assert.is(pool!.count, 11);
  assert.ok(Math.abs(pool!.medianUs - 40.7) / 40.7 < 0.05, `median ${pool!.medianUs}`);
  const mean = (9 * 40.7 + 2 * 1000) / 11;
  assert.ok(Math.abs(pool!.meanUs - mean) / mean < 0.1, `mean ${pool!.meanUs} against ${mean}`);
  assert.is(user!.count, 0);
  assert.ok(Number.isNaN(user!.medianUs));
  assert.is(vcpu!.count, 3);
  assert.ok(Math.abs(vcpu!.medianUs - 81.4) / 81.4 < 0.05, `median ${vcpu!.medianUs}`);
});

test('a run counts every hop its calls make: two per call in mode userspace (straight to the main thread) and in virtmode, only for the calls that leave real mode', async () => {
  const hops = async (mode: 'realmode' | 'virtmode' | 'userspace', workload = 'nic'): Promise<{ counts: number[]; left: number; user: number }> => {
    const r = await runThreaded(options({ mode, workload, vcpus: 2, calls: 300, seed: 3 }));
    const by = runFigures(r.stats).answeredBy;
    return { counts: (r.hops ?? []).map((h) => h.count), left: (by.virtmode ?? 0) + (by.userspace ?? 0), user: by.userspace ?? 0 };
  };
  assert.equal((await hops('userspace')).counts, [0, 0, 600, 600]);
  const virt = (await hops('virtmode')).counts;
  assert.equal(virt, [600, 0, 600, 0]);
  const real = await hops('realmode', 'mixed');
  assert.ok(real.left > 0 && real.left < 600, `${real.left} calls left real mode`);
  assert.equal(real.counts, [real.left, real.user, real.left, 0]);
});

test('a threaded run measures its steady rate inside the run (calls after each vCPU\'s first quarter over their time); none inline', async () => {
  for (const [mode, vcpus] of [['virtmode', 1], ['userspace', 2], ['realmode', 2]] as const) {
    const r = await runThreaded(options({ mode, workload: 'nic', vcpus, calls: 2000, seed: 3 }));
    const whole = (vcpus * 2000 * 1000) / r.wallMs;
    const steady = r.steadyCallsPerSec;
    assert.ok(steady !== undefined && Number.isFinite(steady), `${mode}: a steady rate`);
    // Three quarters of the calls in a window inside the run's: never below 3/4 of the whole-run rate.
    assert.ok(steady >= 0.75 * whole, `${mode}: steady ${steady} against whole-run ${whole}`);
  }
  assert.is(runInline(options({ mode: 'virtmode', workload: 'nic', vcpus: 1, calls: 100, seed: 3 })).steadyCallsPerSec, undefined);
});

test.run();
