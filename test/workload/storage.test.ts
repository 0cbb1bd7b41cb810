/**
 * The `storage` workload: requests of the configured sizes mapped in INDIRECT batches and freed
 * by STUFF, `depth` of them in flight, completed out of order; well-formed in every mode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { storageWorkload } from '../../src/workload/storage.js';
import { callsOf, runInEveryMode, runWorkload, tablesOf, throwsNaming, type FinalTable } from './support.js';

const LIOBN0 = 0x80000000;
const LIOBN1 = 0x80000100;

/** The requests in a final table: per queue slot (of `slotEntries` entries) the run of mapped entries. */
function requests(t: FinalTable, slotEntries: number): Map<number, number[]> {
  const bySlot = new Map<number, number[]>();
  for (const index of [...t.keys()].sort((a, b) => a - b)) {
    const s = Math.floor(index / slotEntries);
    bySlot.set(s, [...(bySlot.get(s) ?? []), index % slotEntries]);
  }
  return bySlot;
}

test('defaults: INDIRECT maps, STUFF frees, a H_PUT_TCE for one-page requests; every mode agrees', () => {
  const calls = 1500;
  const runs = runInEveryMode('storage', {}, { calls, vcpus: 2, seed: 3 });
  const h = runs[0]!.hcalls;
  // 32 requests fill the queue, then completions and submissions alternate.
  const maps = 32 + Math.ceil((calls - 32) / 2);
  assert.is(h.H_STUFF_TCE, 2 * (calls - maps), 'one STUFF per completed request');
  assert.is((h.H_PUT_TCE_INDIRECT ?? 0) + (h.H_PUT_TCE ?? 0), 2 * maps, 'one map call per request');
  assert.ok((h.H_PUT_TCE ?? 0) > 0 && h.H_PUT_TCE! < h.H_PUT_TCE_INDIRECT! / 20, 'about 1 request in 64 is a single page');
  assert.equal([...runs[0]!.tables.keys()].sort(), [LIOBN0, LIOBN1], 'a table per vCPU');
  // Every slot holds a request of 1-64 pages from the slot's start, but the one just freed if the last call was a free.
  for (const t of runs[0]!.tables.values()) {
    const req = requests(t, 64);
    assert.is(req.size, 32 - ((calls - 32) % 2));
    for (const entries of req.values()) {
      assert.ok(entries.length >= 1 && entries.length <= 64);
      assert.equal(entries, entries.map((_, i) => i), 'a request is mapped from its slot\'s first entry on');
    }
  }
  const c = callsOf(runs[1]!, 0);
  const first = c[0]!;
  assert.ok(first.hcall === 'H_PUT_TCE_INDIRECT' && first.npages >= 2n && first.npages <= 64n);
  assert.is(first.ioba, 0n);
  assert.is(first.arg & 0xfffn, 0n, 'the list is page-aligned');
  assert.is(c[1]!.ioba, 64n * 4096n, 'the next request in the next slot');
  const stuff = c.find((e) => e.hcall === 'H_STUFF_TCE')!;
  assert.equal([stuff.seq, stuff.arg], [32, 0n], 'the first completion follows the full queue');
});

test('pages, depth: batches within the range; map=put, unmap=put make only H_PUT_TCE', () => {
  const r = runWorkload('storage', { pages: '100-120', depth: '4' }, { calls: 40, vcpus: 1, mode: 'virtmode' });
  const maps = 4 + 18;
  assert.equal(r.hcalls, { H_PUT_TCE_INDIRECT: maps, H_STUFF_TCE: 18 });
  for (const e of r.entered) {
    assert.ok(e.npages >= 100n && e.npages <= 120n, `npages ${e.npages}`);
    assert.is(e.ioba % (120n * 4096n), 0n, 'each request at its slot');
  }
  assert.is(r.result.vcpus[0]!.mappedBytes, r.entered.filter((e) => e.hcall === 'H_PUT_TCE_INDIRECT').reduce((n, e) => n + Number(e.npages) * 4096, 0));
  const p = runWorkload('storage', { pages: '3-3', depth: '2', map: 'put', unmap: 'put' }, { calls: 15, vcpus: 1, mode: 'virtmode' });
  assert.equal(p.hcalls, { H_PUT_TCE: 15 });
  // 2 requests x 3 pages, then 3 frees (PUT 0) and 3 maps of a random slot.
  const c = callsOf(p, 0);
  assert.equal(c.slice(0, 6).map((e) => e.ioba), [0n, 4096n, 8192n, 12288n, 16384n, 20480n]);
  assert.ok(c.slice(6, 9).every((e) => e.arg === 0n) && c.slice(9, 12).every((e) => e.arg !== 0n));
  assert.equal(c.slice(9, 12).map((e) => e.ioba), c.slice(6, 9).map((e) => e.ioba), 'the freed slot is refilled');
});

test('one-page requests: H_PUT_TCE to map, H_STUFF_TCE of one entry to free (Linux\'s multi-TCE paths)', () => {
  const r = runWorkload('storage', { pages: '1', depth: '8' }, { calls: 100, vcpus: 1, mode: 'virtmode' });
  assert.equal(r.hcalls, { H_PUT_TCE: 8 + 46, H_STUFF_TCE: 46 });
  assert.ok(r.entered.filter((e) => e.hcall === 'H_STUFF_TCE').every((e) => e.npages === 1n));
});

test('reads: the share of requests mapped with the write bit (the device writes memory)', () => {
  const perms = (reads: string): bigint[] => [...runWorkload('storage', { reads }, { calls: 64, vcpus: 1 }).tables.values()]
    .flatMap((t) => [...t.values()].map((v) => v & 3n));
  assert.ok(perms('0').every((p) => p === 1n), 'writes to disk: read permission only');
  assert.ok(perms('100').every((p) => p === 3n), 'reads from disk: read and write');
  const mixed = perms('50');
  assert.ok(mixed.includes(1n) && mixed.includes(3n));
});

test('same seed, same requests; another seed, other requests', () => {
  const a = runWorkload('storage', { depth: '16' }, { calls: 600, seed: 21 });
  const b = runWorkload('storage', { depth: '16' }, { calls: 600, seed: 21 });
  const c = runWorkload('storage', { depth: '16' }, { calls: 600, seed: 22 });
  assert.equal(b.result.vcpus, a.result.vcpus);
  assert.equal(tablesOf(b), tablesOf(a));
  assert.equal(b.entered.map((e) => [e.ioba, e.npages]), a.entered.map((e) => [e.ioba, e.npages]));
  assert.not.equal(c.entered.map((e) => [e.ioba, e.npages]), a.entered.map((e) => [e.ioba, e.npages]));
  assert.not.equal(tablesOf(c), tablesOf(a));
});

test('bad parameters are refused with a RangeError naming the parameter and the value', () => {
  throwsNaming(() => storageWorkload.tables(1, { pages: '0-3' }), 'pages', '"0-3"');
  throwsNaming(() => storageWorkload.tables(1, { pages: '9-2' }), 'pages', '"9-2"');
  throwsNaming(() => storageWorkload.tables(1, { pages: '1-513' }), 'pages', '"1-513"', '512');
  throwsNaming(() => storageWorkload.tables(1, { pages: 'x' }), 'pages', '"x"');
  throwsNaming(() => storageWorkload.tables(1, { depth: '0' }), 'depth', '"0"');
  throwsNaming(() => storageWorkload.tables(1, { depth: '1024', pages: '1-512' }), 'depth', '"1024"', '524288');
  throwsNaming(() => storageWorkload.tables(1, { reads: '101' }), 'reads', '"101"');
  throwsNaming(() => storageWorkload.tables(1, { map: 'stuff' }), 'map', '"stuff"');
  throwsNaming(() => storageWorkload.tables(1, { unmap: 'indirect' }), 'unmap', '"indirect"');
});

test.run();
