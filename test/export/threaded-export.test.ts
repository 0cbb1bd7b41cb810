/**
 * Exporting the logs of threaded runs: virtual mode is drawn on the pool workers that ran it
 * (one process per worker, the thread ids the log names), calls stay on their vCPU, and a
 * worker that died mid-call shows as one retry instant on the call.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TcesimEvent } from '../../src/events/events.js';
import { PID_POOL_BASE } from '../../src/export/tracks.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { options } from '../pipeline/support.js';
import { callKey, decodeLog, exportLog, instants, ns, processName, readTrace, spans, tally, trackProblems } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcesim-export-threads-'));

/** Pool worker thread ids that ended a virtual-mode tier in the log. */
function poolThreads(events: readonly TcesimEvent[]): number[] {
  const ids = new Set<number>();
  for (const e of events) {
    const endsVirtmode = (e.type === 'hcall-completed' && e.tier === 'virtmode') || (e.type === 'escalated' && e.from === 'virtmode');
    if (endsVirtmode && e.thread.kind === 'pool') ids.add(e.thread.id);
  }
  return [...ids].sort((a, b) => a - b);
}

test('virtmode on two pool workers: each tier on the worker that ran it, each call on its vCPU', async () => {
  const log = join(dir, 'virtmode.tcelog');
  await runThreaded(options({ mode: 'virtmode', workload: 'mixed', vcpus: 2, calls: 300, seed: 9, poolThreads: 2, log }));
  const out = join(dir, 'virtmode.json');
  const r = exportLog(log, out);
  const t = readTrace(out);
  const decoded = decodeLog(log);
  const calls = spans(t, 'hcall');
  assert.is(calls.length, 600);
  assert.ok(calls.every((c) => c.pid === 1 && c.tid === 1000 + Number(c.args.vcpu)), 'calls on their vCPU\'s track');
  const tiers = spans(t, 'tier');
  assert.is(tiers.length, 600);
  const workers = poolThreads(decoded.events);
  assert.ok(workers.length >= 1);
  assert.equal([...new Set(tiers.map((s) => s.pid - PID_POOL_BASE))].sort((a, b) => a - b), workers, 'one process per pool worker in the log');
  for (const w of workers) assert.is(processName(t, PID_POOL_BASE + w), `virtual-mode pool worker (thread ${w})`);
  // The worker that wrote each call's completion is the track its tier is on.
  const answeredBy = new Map(decoded.events.flatMap((e): [string, number][] => (e.type === 'hcall-completed' ? [[`${e.vcpu}/${e.seq}`, e.thread.id]] : [])));
  for (const s of tiers) {
    assert.is(s.name, 'virtmode');
    assert.is(s.pid, PID_POOL_BASE + answeredBy.get(callKey(s))!, `${callKey(s)} on the worker that answered it`);
    assert.is(s.tid % 1000, s.args.vcpu, 'on that worker\'s track for the call\'s vCPU');
  }
  assert.is(r.tracks, 2 + new Set(tiers.map((s) => s.tid)).size);
  assert.equal(trackProblems(t), []);
});

test('realmode threaded: real mode on the vCPUs, what it gives up on a pool worker, escalations counted as logged', async () => {
  const log = join(dir, 'realmode.tcelog');
  await runThreaded(options({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 800, seed: 4, log }));
  const out = join(dir, 'realmode.json');
  exportLog(log, out);
  const t = readTrace(out);
  const decoded = decodeLog(log);
  const byTier = tally(spans(t, 'tier'), (s) => `${s.name}@${s.pid === 1 ? 'vcpu' : s.pid >= PID_POOL_BASE ? 'pool' : 'main'}`);
  assert.is(byTier['realmode@vcpu'], 1600, 'every call starts in real mode on its vCPU');
  const escalated = decoded.events.filter((e) => e.type === 'escalated');
  assert.ok(escalated.length > 0);
  assert.is(byTier['virtmode@pool'], escalated.length, 'each call real mode gave up went to a pool worker');
  assert.equal(tally(instants(t, 'escalation'), (e) => String(e.args.reason)), tally(escalated, (e) => e.reason));
  assert.equal(trackProblems(t), []);
});

test('a pool worker that dies mid-call: one retry instant on the call, the call drawn once', async () => {
  const log = join(dir, 'crash.tcelog');
  const run = await runThreaded(options({ mode: 'virtmode', workload: 'nic', vcpus: 2, calls: 300, crashPoolAtWrite: 25, poolTasksPerWorker: 1, log }));
  assert.is(run.workerCrashes, 1);
  const out = join(dir, 'crash.json');
  const r = exportLog(log, out);
  const t = readTrace(out);
  const retried = decodeLog(log).events.filter((e) => e.type === 'retried');
  assert.is(retried.length, 1);
  const retries = instants(t, 'retry');
  assert.is(retries.length, 1);
  const [x] = retries;
  assert.equal([x!.args.reason, x!.args.tier, x!.args.attempt, callKey(x!)], ['worker-crashed', 'virtmode', 1, `${retried[0]!.vcpu}/${retried[0]!.seq}`]);
  assert.is(x!.pid, 1, 'on the call\'s vCPU track');
  assert.is(x!.args.writesBeforeCrash, 1, 'the dead worker made the fatal write');
  assert.match(String(x!.args.crashedThread), /^pool worker \d+$/);
  const calls = spans(t, 'hcall');
  assert.is(calls.length, 600);
  const call = calls.find((c) => callKey(c) === callKey(x!));
  assert.is(call!.args.retries, 1);
  assert.ok(ns(x!.ts) >= ns(call!.ts) && ns(x!.ts) <= ns(call!.ts) + ns(call!.dur), 'during the call');
  assert.is(r.retries, 1);
  assert.equal(trackProblems(t), []);
});

test.run();
