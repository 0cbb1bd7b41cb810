/**
 * A run's threads started before the run (src/pipeline/run-threads.ts), as the CLI starts
 * them while it loads: the run adopts them when they fit it, and stops them when they do not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Worker } from 'node:worker_threads';
import { defaultPoolSettings } from '../../src/pipeline/pool-settings.js';
import { startRunThreads } from '../../src/pipeline/run-threads.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { runFigures } from '../../src/report/report.js';
import type { RunResult } from '../../src/pipeline/run-result.js';
import type { VcpuMessage } from '../../src/pipeline/vcpu-worker.js';
import { options } from './support.js';

/** Resolves with the vCPU each worker reported being done as (-1: none) once all have ended; rejects if one still runs after `ms`. */
function reports(workers: readonly Worker[], ms: number): Promise<number[]> {
  const each = workers.map((w) => new Promise<number>((resolve) => {
    let vcpu = -1;
    w.on('message', (m: VcpuMessage) => { vcpu = m.totals.vcpu; });
    w.once('exit', () => resolve(vcpu));
  }));
  return Promise.race([
    Promise.all(each),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`a started thread still runs after ${ms} ms`)), ms).unref()),
  ]);
}

const modelled = (r: RunResult): object => ({ ...runFigures(r.stats), wallMs: 0, wallCallsPerSec: 0 });

test('a run adopts threads started before it: its vCPUs are those threads, and its figures are those of a run that starts its own', async () => {
  const threads = startRunThreads(2, defaultPoolSettings(), 'mixed');
  const done = reports(threads.workers, 30_000);
  const o = options({ mode: 'virtmode', workload: 'mixed', vcpus: 2, calls: 800, seed: 5 });
  const adopted = await runThreaded(o, undefined, undefined, {}, {}, threads);
  // A thread the run did not use would never report, and would wait for its setup forever.
  assert.equal(await done, [0, 1], 'the started threads were vCPUs 0 and 1 of the run, made its calls and ended');
  const own = await runThreaded(o);
  assert.equal(modelled(adopted), modelled(own));
  assert.is(adopted.recordCount, own.recordCount);
});

test('threads told to load another workload (or none that exists) still make the run\'s own', async () => {
  const o = options({ mode: 'realmode', workload: 'storage', vcpus: 2, calls: 600, seed: 9 });
  const own = await runThreaded(o);
  for (const hint of ['nic', 'no-such-workload']) {
    const threads = startRunThreads(2, defaultPoolSettings(), hint);
    const done = reports(threads.workers, 30_000);
    const r = await runThreaded(o, undefined, undefined, {}, {}, threads);
    assert.equal(await done, [0, 1], hint);
    assert.equal(modelled(r), modelled(own), hint);
  }
});

test('threads that do not fit the run are stopped, and the run starts its own', async () => {
  const threads = startRunThreads(3, defaultPoolSettings(), 'nic');
  const done = reports(threads.workers, 30_000);
  const r = await runThreaded(options({ mode: 'virtmode', vcpus: 2, calls: 400, seed: 2 }), undefined, undefined, {}, {}, threads);
  assert.is(r.vcpus.reduce((a, v) => a + v.calls, 0), 800, 'the run made every call on threads of its own');
  assert.equal(await done, [-1, -1, -1], 'the three started threads made no call and were stopped');
});

test.run();
