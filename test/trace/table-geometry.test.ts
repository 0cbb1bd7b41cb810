import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  defaultGeometry, parseSize, parseTableOverride, parseTableOverrides, TraceTableResolver,
} from '../../src/trace/table-geometry.js';
import type { TraceDdwCreate } from '../../src/trace/trace-events.js';

const create = (liobn: number, pageSize: bigint, requested: bigint, startAddr: bigint): TraceDdwCreate => ({
  kind: 'ddw_create', buid: 0x800000020000000n, addr: 0, pageSize, requested, startAddr, liobn,
});

test('sPAPR defaults: VIO 256 MiB and a PHB default window 1 GiB of 4 KiB pages at 0; no default for a second window', () => {
  assert.equal(defaultGeometry(0x71000002, 7), { liobn: 0x71000002, pageShift: 12, busOffset: 0n, entries: 65536, source: 'default', line: 7 });
  assert.equal(defaultGeometry(0x80000100, 1), { liobn: 0x80000100, pageShift: 12, busOffset: 0n, entries: 262144, source: 'default', line: 1 });
  assert.is(defaultGeometry(0x80000001, 1), null);
});

test('an override is LIOBN:PAGE:OFFSET:SIZE with K/M/G suffixes, checked value by value', () => {
  assert.equal(parseTableOverride('0x80000000:64K:0:2G'), {
    liobn: 0x80000000, pageShift: 16, busOffset: 0n, entries: 32768, source: 'override', line: 0,
  });
  assert.equal(parseTableOverride('0x80000001:0x10000:0x800000000000000:1073741824').busOffset, 1n << 59n);
  assert.is(parseSize('size', '16G'), 16n << 30n);
  const bad: [string, RegExp][] = [
    ['0x80000000:64K:0', /must be LIOBN:PAGE:OFFSET:SIZE/],
    ['0x180000000:4K:0:1G', /LIOBN 0x180000000 does not fit in 32 bits/],
    ['0x80000000:3K:0:1G', /page size 0xc00 must be a power of two from 4 KiB to 16 GiB/],
    ['0x80000000:2K:0:1G', /page size 0x800 must be a power of two/],
    ['0x80000000:4K:0x800:1G', /bus offset 0x800 is not aligned/],
    ['0x80000000:64K:0:0x1000', /window size 0x1000 must be a positive multiple of the page size 0x10000/],
    ['0x80000000:4K:0:1T', /window size 0x10000000000 is 268435456 pages, more than the 67108864/],
    ['0x80000000:4K:zero:1G', /offset "zero" must be a number/],
  ];
  for (const [text, problem] of bad) assert.throws(() => parseTableOverride(text), problem, text);
  assert.is(parseTableOverrides('0x80000000:4K:0:1G+0x71000002:4K:0:128M').size, 2);
  assert.throws(() => parseTableOverrides('0x80000000:4K:0:1G+0x80000000:64K:0:1G'), /table 0x80000000 is overridden twice/);
});

test('geometry comes from the override, then the default; a PHB window follows its DDW lines', () => {
  const r = new TraceTableResolver(parseTableOverrides('0x71000003:64K:0:1G'));
  assert.is(r.geometry(0x71000003, 5)?.pageShift, 16);
  r.declare(0x80000000);
  r.declare(0x80000001);
  r.created(create(0x80000001, 0x10000n, 0x40000000n, 1n << 59n), 10);
  assert.equal(r.geometry(0x80000001, 11), { liobn: 0x80000001, pageShift: 16, busOffset: 1n << 59n, entries: 16384, source: 'ddw_create', line: 10 });
  assert.throws(() => r.created(create(0x80000001, 0x10000n, 0x40000000n, 1n << 59n), 12), /that window is enabled/);
  // Removed: no table; the default window stays, so no reset.
  assert.is(r.removed(0x80000001, 13), false);
  assert.is(r.geometry(0x80000001, 14), null);
  // Created again with another geometry: fine, from that line on.
  r.created(create(0x80000001, 0x1000n, 0x40000000n, 1n << 59n), 15);
  assert.is(r.geometry(0x80000001, 16)?.entries, 262144);
  assert.is(r.removed(0x80000000, 17), false);
  // The last window, not a default one: QEMU resets the PHB.
  assert.is(r.removed(0x80000001, 18), true);
  assert.is(r.geometry(0x80000000, 19)?.source, 'default');
  assert.is(r.geometry(0x80000001, 19), null);
  assert.is(r.geometry(0x71000002, 20)?.source, 'default');
  // A failed put/get on an undeclared LIOBN has no table; a second window without a create has none either.
  assert.is(r.geometry(0x71000009, 21, false), null);
  assert.throws(() => r.geometry(0x80000101, 22), /liobn 0x80000101 is a PHB's second window and the trace has no ddw_create for it/);
  assert.is(r.geometry(0x80000101, 22, false), null);
  assert.throws(() => r.created(create(0x80000002, 0x10000n, 0x1000n, 0n), 23), /not a PHB window's LIOBN/);
  assert.throws(() => r.created(create(0x80000001, 0x10000n, 0x1000n, 0n), 23), /window size 0x1000 must be a positive multiple/);
  // The machine: VIO and override tables; PHB 0 is modelled (its windows are the PHB's).
  assert.equal(r.tables().map((g) => [g.liobn.toString(16), g.source]), [['71000002', 'default'], ['71000003', 'override']]);
  assert.equal(r.modelledPhbs(), [{ index: 0, dmaWinAddr: 0n, dmaWinSize: 0x40000000n }]);
});

test.run();
