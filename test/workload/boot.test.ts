/**
 * The `boot` workload: every table of every vCPU cleared by 512-entry H_STUFF_TCE calls, first
 * entry to last, then light traffic or the clears again; well-formed in every mode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootWorkload } from '../../src/workload/boot.js';
import { callsOf, runInEveryMode, runWorkload, tablesOf, throwsNaming } from './support.js';

test('defaults: 512 STUFF calls of 512 entries clear each 1 GiB window, then light single-page traffic; every mode agrees', () => {
  const runs = runInEveryMode('boot', {}, { calls: 600, vcpus: 2, seed: 4 });
  const c = callsOf(runs[1]!, 1);
  for (let i = 0; i < 512; i++) {
    const e = c[i]!;
    assert.equal([e.hcall, e.liobn, e.ioba, e.arg, e.npages], ['H_STUFF_TCE', 0x80000100n, BigInt(i * 512 * 4096), 0n, 512n], `clear ${i}`);
  }
  // Then traffic on the same table: 16 pages mapped (H_PUT_TCE), then freed one by one (H_STUFF_TCE of 1).
  const traffic = c.slice(512);
  assert.ok(traffic.slice(0, 16).every((e, i) => e.hcall === 'H_PUT_TCE' && e.ioba === BigInt(i * 4096) && (e.arg & 3n) === 1n));
  assert.equal([traffic[16]!.hcall, traffic[16]!.ioba, traffic[16]!.npages, traffic[17]!.hcall, traffic[17]!.ioba], ['H_STUFF_TCE', 0n, 1n, 'H_PUT_TCE', 0n]);
  assert.equal(runs[0]!.hcalls, { H_STUFF_TCE: 2 * (512 + 36), H_PUT_TCE: 2 * (16 + 36) });
  // The clears never need a backing page, so real mode answers them all.
  const clearsInRealmode = runs[0]!.figures.answeredBy.realmode!;
  assert.ok(clearsInRealmode >= 2 * 512, `${clearsInRealmode} calls answered in real mode`);
  for (const t of runs[0]!.tables.values()) assert.is(t.size, 16, 'the traffic\'s 16 slots are mapped at the end');
});

test('then=clear: the clears again and again, the same whatever the seed; tables=2 clears both tables in turn', () => {
  const a = runWorkload('boot', { then: 'clear', tables: '2', window: '8M' }, { calls: 20, vcpus: 2, seed: 1, mode: 'virtmode' });
  assert.equal(a.hcalls, { H_STUFF_TCE: 40 });
  // 8 MiB windows: 2048 entries, 4 clears each; vCPU 1 owns PHBs 2 and 3.
  const liobns = callsOf(a, 1).map((e) => e.liobn);
  const t2 = 0x80000200n;
  const t3 = 0x80000300n;
  assert.equal(liobns.slice(0, 10), [t2, t2, t2, t2, t3, t3, t3, t3, t2, t2]);
  assert.equal(callsOf(a, 1).slice(0, 5).map((e) => e.ioba), [0n, 2097152n, 4194304n, 6291456n, 0n]);
  const b = runWorkload('boot', { then: 'clear', tables: '2', window: '8M' }, { calls: 20, vcpus: 2, seed: 999, mode: 'virtmode' });
  assert.equal(b.result.vcpus, a.result.vcpus, 'no randomness: the seed changes nothing');
  assert.equal(b.entered.map((e) => [e.liobn, e.ioba]), a.entered.map((e) => [e.liobn, e.ioba]));
  assert.equal(a.result.vcpus.map((v) => v.mappedBytes), [0, 0]);
  runInEveryMode('boot', { then: 'clear', tables: '2', window: '8M' }, { calls: 20, vcpus: 2 });
});

test('chunk: entries per STUFF, the last call taking what is left', () => {
  const r = runWorkload('boot', { window: '400K', chunk: '30' }, { calls: 5, vcpus: 1, mode: 'virtmode' });
  assert.equal(r.entered.map((e) => e.npages), [30n, 30n, 30n, 10n, 0n]);
  assert.equal(r.entered.map((e) => e.hcall), ['H_STUFF_TCE', 'H_STUFF_TCE', 'H_STUFF_TCE', 'H_STUFF_TCE', 'H_PUT_TCE']);
});

test('same seed, same traffic; another seed, other pages', () => {
  const p = { window: '4M' };
  const a = runWorkload('boot', p, { calls: 300, seed: 8 });
  const b = runWorkload('boot', p, { calls: 300, seed: 8 });
  const c = runWorkload('boot', p, { calls: 300, seed: 9 });
  assert.equal(b.result.vcpus, a.result.vcpus);
  assert.equal(tablesOf(b), tablesOf(a));
  assert.not.equal(tablesOf(c), tablesOf(a));
});

test('bad parameters are refused with a RangeError naming the parameter and the value', () => {
  throwsNaming(() => bootWorkload.tables(1, { tables: '0' }), 'tables', '"0"');
  throwsNaming(() => bootWorkload.tables(1, { tables: '5' }), 'tables', '"5"');
  throwsNaming(() => bootWorkload.tables(100, { tables: '3' }), 'tables', '"3"', '300');
  throwsNaming(() => bootWorkload.tables(1, { window: '2K' }), 'window', '"2K"');
  throwsNaming(() => bootWorkload.tables(1, { window: '5000' }), 'window', '"5000"', '4 KiB');
  throwsNaming(() => bootWorkload.tables(1, { window: '8G' }), 'window', '"8G"');
  throwsNaming(() => bootWorkload.tables(1, { chunk: '0' }), 'chunk', '"0"');
  throwsNaming(() => bootWorkload.tables(1, { window: '1M', chunk: '257' }), 'chunk', '"257"', '256');
  throwsNaming(() => bootWorkload.tables(1, { then: 'idle' }), 'then', '"idle"', 'traffic, clear');
});

test.run();
