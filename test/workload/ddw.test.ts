/**
 * The `ddw` workload: a 64-bit window at 1 << 59 direct-mapping all of guest RAM in 16 MiB
 * pages with H_PUT_TCE_INDIRECT, then memory blocks cleared with H_STUFF_TCE and mapped again;
 * huge-page backing sends the maps out of real mode; well-formed in every mode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ddwWorkload } from '../../src/workload/ddw.js';
import { callsOf, runInEveryMode, runWorkload, tablesOf, throwsNaming, type FinalTable } from './support.js';

const BUS = 1n << 59n;
const MB16 = 1n << 24n;

/** The direct map of 1 GiB of RAM in 16 MiB pages: entry i -> guest address i * 16 MiB, read and write. */
function directMap(except: (i: number) => boolean = () => false): FinalTable {
  const t: FinalTable = new Map();
  for (let i = 0; i < 64; i++) if (!except(i)) t.set(i, BigInt(i) * MB16 | 3n);
  return t;
}

test('defaults: all RAM mapped in one 64-entry INDIRECT at 1 << 59, then 256 MiB blocks cleared and remapped; every mode agrees', () => {
  const runs = runInEveryMode('ddw', {}, { calls: 201, vcpus: 2, seed: 6 });
  const c = callsOf(runs[1]!, 1);
  assert.equal([c[0]!.hcall, c[0]!.liobn, c[0]!.ioba, c[0]!.npages], ['H_PUT_TCE_INDIRECT', 0x80000101n, BUS, 64n]);
  assert.is(c[0]!.arg, (1n << 30n) - 2n * 4096n, 'vCPU 1\'s list page, second from the top of RAM');
  for (let k = 0; k < 100; k++) {
    const clear = c[1 + 2 * k]!;
    const map = c[2 + 2 * k]!;
    assert.equal([clear.hcall, clear.npages, clear.arg, map.hcall, map.npages], ['H_STUFF_TCE', 16n, 0n, 'H_PUT_TCE_INDIRECT', 16n]);
    assert.is(map.ioba, clear.ioba, 'the block cleared is the block mapped again');
    assert.is((clear.ioba - BUS) % (16n * MB16), 0n, 'a whole 256 MiB block');
  }
  assert.equal(runs[0]!.hcalls, { H_PUT_TCE_INDIRECT: 2 * 101, H_STUFF_TCE: 2 * 100 });
  // After a whole number of cycles RAM is direct-mapped again.
  assert.equal(tablesOf(runs[0]!), [[0x80000001, [...directMap()]], [0x80000101, [...directMap()]]]);
  for (const v of runs[0]!.result.vcpus) assert.is(v.mappedBytes, 2 ** 30 + 100 * 2 ** 28);
});

test('huge-page backing (auto for 16 MiB pages): real mode cannot reach the list, so maps go to virtual mode; clears stay', () => {
  const huge = runWorkload('ddw', {}, { calls: 201, vcpus: 2 });
  assert.equal(huge.figures.escalations, { 'page-not-allocated': 2, 'list-unreachable': 200 });
  assert.equal(huge.figures.answeredBy, { realmode: 200, virtmode: 202, userspace: 0 });
  const base = runWorkload('ddw', { backing: 'base' }, { calls: 201, vcpus: 2 });
  assert.equal(base.figures.escalations, { 'page-not-allocated': 2 }, 'only the table\'s first backing page needs virtual mode');
  assert.equal(base.figures.answeredBy, { realmode: 400, virtmode: 2, userspace: 0 });
  assert.ok(base.figures.modelledMs < huge.figures.modelledMs);
  assert.equal(tablesOf(base), tablesOf(huge));
  const small = runWorkload('ddw', { page: '64K', backing: 'huge' }, { calls: 40, vcpus: 1 });
  // 32 maps of 512 entries: the first into each of the table's two backing pages needs a page allocated first.
  assert.equal(small.figures.escalations, { 'page-not-allocated': 2, 'list-unreachable': 30 });
});

test('page=64K: 32 INDIRECT calls of 512 map RAM; a 256 MiB block is 8 STUFF and 8 INDIRECT calls', () => {
  const r = runWorkload('ddw', { page: '64K' }, { calls: 48, vcpus: 1, mode: 'virtmode' });
  const c = callsOf(r, 0);
  assert.ok(c.slice(0, 32).every((e, i) => e.hcall === 'H_PUT_TCE_INDIRECT' && e.npages === 512n && e.ioba === BUS + BigInt(i * 512 * 65536)));
  assert.ok(c.slice(32, 40).every((e) => e.hcall === 'H_STUFF_TCE' && e.npages === 512n));
  assert.ok(c.slice(40, 48).every((e, i) => e.hcall === 'H_PUT_TCE_INDIRECT' && e.ioba === c[32 + i]!.ioba));
  const t = r.tables.get(0x80000001)!;
  assert.is(t.size, 16384);
  assert.is(t.get(16383), 16383n * 65536n | 3n);
  // Stopped half-way through a cycle: one block cleared.
  const half = runWorkload('ddw', { page: '64K' }, { calls: 40, vcpus: 1, mode: 'virtmode' }).tables.get(0x80000001)!;
  assert.is(half.size, 16384 - 4096);
});

test('block: the unit of each cycle; a whole-RAM block clears and remaps the window', () => {
  const r = runWorkload('ddw', { block: '1G' }, { calls: 4, vcpus: 1, mode: 'userspace' });
  assert.equal(r.entered.map((e) => [e.hcall, e.ioba, e.npages]), [
    ['H_PUT_TCE_INDIRECT', BUS, 64n], ['H_STUFF_TCE', BUS, 64n], ['H_PUT_TCE_INDIRECT', BUS, 64n], ['H_STUFF_TCE', BUS, 64n],
  ]);
  assert.is(r.tables.get(0x80000001)!.size, 0);
  const odd = runWorkload('ddw', { block: '32M' }, { calls: 2, vcpus: 1 });
  const cleared = Number((odd.entered[1]!.ioba - BUS) / MB16);
  assert.equal(tablesOf(odd), [[0x80000001, [...directMap((i) => i === cleared || i === cleared + 1)]]]);
});

test('same seed, same blocks; another seed, other blocks', () => {
  const blocks = (seed: number): bigint[] => runWorkload('ddw', { block: '64M' }, { calls: 101, seed }).entered.map((e) => e.ioba);
  assert.equal(blocks(31), blocks(31));
  assert.not.equal(blocks(32), blocks(31));
});

test('bad parameters are refused with a RangeError naming the parameter and the value', () => {
  throwsNaming(() => ddwWorkload.tables(1, { page: '8K' }), 'page', '"8K"', '16M');
  throwsNaming(() => ddwWorkload.tables(1, { page: '1G' }), 'page', '"1G"');
  throwsNaming(() => ddwWorkload.tables(1, { page: 'huge' }), 'page', '"huge"');
  throwsNaming(() => ddwWorkload.tables(1, { block: '100M' }), 'block', '"100M"');
  throwsNaming(() => ddwWorkload.tables(1, { block: '8M' }), 'block', '"8M"', '16M');
  throwsNaming(() => ddwWorkload.tables(1, { block: '2G' }), 'block', '"2G"');
  throwsNaming(() => ddwWorkload.tables(1, { backing: 'thp' }), 'backing', '"thp"', 'auto, huge, base');
  assert.equal(ddwWorkload.tables(2, { page: '2M' }).map((t) => [t.liobn, t.busOffset, t.pageShift, t.entries]), [
    [0x80000001, 1n << 59n, 21, 512], [0x80000101, 1n << 59n, 21, 512],
  ]);
});

test.run();
