import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, type Observable } from 'rxjs';
import type { TcesimEvent } from '../../src/events/events.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { RunLifecycle } from '../../src/pipeline/run-events.js';
import { escalationsByReason } from '../../src/report/live-queries.js';
import { runFigures } from '../../src/report/report.js';
import { options } from '../pipeline/support.js';

test('the live stream sees every escalation the report counts', async () => {
  // Set in the callback: the assertion keeps TypeScript from narrowing it to null.
  let counted = null as Promise<Readonly<Record<string, number>>> | null;
  const r = runInline(options({ workload: 'mixed', calls: 800, ringRecords: 1024 }), (events$: Observable<TcesimEvent>) => {
    counted = lastValueFrom(escalationsByReason(events$));
  });
  assert.ok(counted !== null);
  assert.equal(await counted, runFigures(r.stats).escalations);
});

test('lifecycle events: run started, every vCPU finished, run finished', async () => {
  const lc = new RunLifecycle();
  const seen: string[] = [];
  lc.on('run-started', (i) => seen.push(`started ${i.vcpus}`));
  lc.on('vcpu-finished', (t) => seen.push(`vcpu ${t.vcpu} ${t.calls}`));
  lc.on('run-finished', () => seen.push('finished'));
  await runThreaded(options({ workload: 'nic', calls: 500 }), lc);
  assert.is(seen[0], 'started 2');
  assert.equal(seen.slice(1, 3).sort(), ['vcpu 0 500', 'vcpu 1 500']);
  assert.is(seen[3], 'finished');
});

test.run();
