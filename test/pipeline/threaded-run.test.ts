/**
 * The pipeline on threads, end to end: vCPU workers, the piscina pool, the userspace step,
 * the event log and replay.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { runFigures } from '../../src/report/report.js';
import type { Mode } from '../../src/papr/tiers.js';
import { completions, decodeAll, options } from './support.js';

const MODES: Mode[] = ['realmode', 'virtmode', 'userspace'];

function sortedTables(t: ReadonlyMap<string, ReadonlyMap<number, bigint>>): [string, [number, bigint][]][] {
  return [...t].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, m]) => [k, [...m].sort((a, b) => a[0] - b[0])]);
}

test('mode equivalence on a generated workload: same return codes and final tables, different paths', async () => {
  const runs = [];
  for (const mode of MODES) runs.push(await runThreaded(options({ mode, workload: 'mixed', vcpus: 2, calls: 1500, seed: 7 })));
  const rets = runs.map((r) => [...completions(decodeAll(r))].map(([k, e]): [string, number] => [k, e.ret]).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const tables = runs.map((r) => replayRecords(r.records!, r.recordCount));
  for (let i = 0; i < runs.length; i++) {
    assert.is(rets[i]!.length, 3000, `${MODES[i]}: every call completed once`);
    assert.ok(replayVerified(tables[i]!), `${MODES[i]}: the log rebuilds the final tables`);
  }
  for (const i of [1, 2]) {
    assert.equal(rets[i], rets[0], `${MODES[i]} answers every call as realmode does`);
    assert.equal(sortedTables(tables[i]!.recorded!), sortedTables(tables[0]!.recorded!), `${MODES[i]} ends with realmode's tables`);
  }
  const f = runs.map((r) => runFigures(r.stats));
  assert.ok((f[0]!.escalations['page-not-allocated'] ?? 0) > 0, 'real mode gives some calls up');
  assert.ok((f[0]!.answeredBy.realmode ?? 0) > 0);
  assert.equal(f[1]!.escalations, {}, 'virtual mode answers every well-formed call');
  assert.is(f[1]!.answeredBy.virtmode, 3000);
  assert.is(f[2]!.answeredBy.userspace, 3000);
  assert.ok(f[0]!.modelledMs < f[1]!.modelledMs && f[1]!.modelledMs < f[2]!.modelledMs, 'modelled time: real < virtual < userspace');
});

test('the threaded run and the inline run agree exactly on a seed, in every mode (modelled figures, escalations, tables)', async () => {
  for (const mode of ['realmode', 'virtmode', 'userspace'] as const) {
    const o = options({ mode, workload: 'mixed', vcpus: 2, calls: 1000, seed: 3 });
    const a = await runThreaded(o);
    const b = await runThreaded(o);
    const c = runInline(o);
    const fa = runFigures(a.stats);
    for (const other of [b, c]) {
      const fo = runFigures(other.stats);
      assert.is(fo.modelledMs, fa.modelledMs, mode);
      assert.is(fo.modelledMBPerSec, fa.modelledMBPerSec, mode);
      assert.equal(fo.escalations, fa.escalations, mode);
      assert.equal(fo.answeredBy, fa.answeredBy, mode);
      assert.equal(other.vcpus, a.vcpus, mode);
      assert.equal(sortedTables(replayRecords(other.records!, other.recordCount).recorded!), sortedTables(replayRecords(a.records!, a.recordCount).recorded!), mode);
    }
  }
});

test('one vCPU, threaded and inline: every call logs the same records in every mode (userspace: vCPU straight to the main thread)', async () => {
  // With one vCPU no other thread races it for a page or an entry, so each call's records
  // (wall-clock and thread aside) are determined by the seed. Mode userspace is the one whose
  // threaded path differs most: the main thread runs the kernel step's pass-through itself.
  const calls = (r: Awaited<ReturnType<typeof runThreaded>>): string[] => decodeAll(r)
    .filter((e) => e.type !== 'table-write' && e.type !== 'table-fill')
    .map((e) => JSON.stringify(e, (k, v: unknown) => (k === 'wallUs' || k === 'thread' || k === 'runWallMs' ? undefined : typeof v === 'bigint' ? v.toString() : v)));
  for (const mode of ['realmode', 'virtmode', 'userspace'] as const) {
    const o = options({ mode, workload: 'mixed', vcpus: 1, calls: 1500, seed: 5 });
    const threaded = calls(await runThreaded(o));
    const inline = calls(runInline(o));
    assert.ok(threaded.length >= 3000, `${mode}: ${threaded.length} records`);
    assert.equal(threaded, inline, `${mode}: the same records, in the same order`);
  }
});

test('replay rebuilds the tables bit for bit after a 2-vCPU run with contention', async () => {
  const r = await runThreaded(options({ mode: 'realmode', workload: 'contention', vcpus: 2, calls: 5000, seed: 1 }));
  const rep = replayRecords(r.records!, r.recordCount);
  assert.ok(replayVerified(rep), JSON.stringify({ breaks: rep.chainBreaks.length, mismatches: rep.mismatches.length }));
  assert.is(rep.writes, 10000);
  assert.ok(r.sharedTables);
});

test('4 vCPUs hammering the same entries: every write is in the log, in the order it was applied', async () => {
  const r = await runThreaded(options({ mode: 'realmode', workload: 'contention', vcpus: 4, calls: 4000, seed: 1}));
  const events = decodeAll(r);
  const writes = events.filter((e) => e.type === 'table-write');
  assert.is(writes.length, 16000, 'one write per call');
  // Each call writes a value no other call writes: all distinct, none lost.
  assert.is(new Set(writes.map((w) => w.value)).size, 16000);
  // In log order, each write's old value is the previous write's new value on that entry.
  const last = new Map<number, bigint>();
  for (const w of writes) {
    assert.is(w.old, last.get(w.index) ?? 0n, `entry ${w.index}: a write was lost or reordered`);
    last.set(w.index, w.value);
  }
  const rep = replayRecords(r.records!, r.recordCount);
  assert.ok(replayVerified(rep));
  for (const [index, value] of last) assert.is(rep.recorded!.get('guest:0x80000000')!.get(index), value);
});

test('a virtual-mode worker that dies mid-call: the call is retried, completes once, and the log says so', async () => {
  // One task per worker: the dead worker held exactly one call.
  const r = await runThreaded(options({ mode: 'virtmode', workload: 'nic', vcpus: 2, calls: 600, crashPoolAtWrite: 25, poolTasksPerWorker: 1 }));
  assert.is(r.workerCrashes, 1);
  const events = decodeAll(r);
  const retried = events.filter((e) => e.type === 'retried');
  assert.is(retried.length, 1);
  assert.is(retried[0]!.reason, 'worker-crashed');
  const done = completions(events);
  assert.is(done.size, 1200, 'every call completed exactly once');
  const entered = events.filter((e) => e.type === 'hcall-entered').length;
  assert.is(entered, 1200);
  assert.ok(replayVerified(replayRecords(r.records!, r.recordCount)), 'the table the dead worker was writing is consistent with the log');
});

test('with two tasks per worker, every call the dead worker held is retried and completes once', async () => {
  const r = await runThreaded(options({ mode: 'virtmode', workload: 'nic', vcpus: 2, calls: 600, crashPoolAtWrite: 25, poolTasksPerWorker: 2 }));
  // One worker died (a death, counted once) holding one or two calls (each retried).
  assert.is(r.workerCrashes, 1, 'one death, however many calls it held');
  const events = decodeAll(r);
  const retried = events.filter((e) => e.type === 'retried');
  assert.ok(retried.length >= 1 && retried.length <= 2, `${retried.length} calls were in the dead worker`);
  assert.is(new Set(retried.map((e) => `${e.vcpu}/${e.seq}`)).size, retried.length, 'each retried call once');
  assert.is(completions(events).size, 1200, 'every call completed exactly once');
  assert.ok(replayVerified(replayRecords(r.records!, r.recordCount)));
});

test.run();
