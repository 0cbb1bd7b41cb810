import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { F_ARG_LO, F_IOBA_LO, F_LIOBN_LO, F_OPCODE, FRAME_WORDS } from '../../src/papr/frame.js';
import { H_PUT_TCE } from '../../src/papr/hcalls.js';
import { H_SUCCESS, H_TOO_HARD } from '../../src/papr/return-codes.js';
import type { Mode } from '../../src/papr/tiers.js';
import type { Machine } from '../../src/pipeline/machine.js';
import { realmodeHPutTce } from '../../src/realmode/h-put-tce.js';
import { HPA_BASE } from '../../src/host/hw-tables.js';
import { indirect, machine, pathOf, put, stuff } from '../machines.js';

interface Rig { m: Machine; slot: number; hw: number; region: number }

/** A VFIO-backed PHB window: guest table 0x80000000 linked to a hardware table, RAM preregistered. */
function rig(mode: Mode = 'realmode', o: { hwShift?: number; levels?: number; regionBytes?: number; backingShift?: number } = {}): Rig {
  const m = machine(mode);
  const t = m.tables;
  const slot = t.findTable(0x80000000);
  const hwShift = o.hwShift ?? 12;
  const hw = t.createHwTable({ pageShift: hwShift, entries: 2 ** 30 / 2 ** hwShift, busOffset: 0n, levels: o.levels ?? 1 });
  t.attachHwTable(slot, hw);
  const region = t.hw.registerRegion(0, o.regionBytes ?? 0x10000000, o.backingShift ?? 16);
  return { m, slot, hw, region };
}

const hwEntry = (r: Rig, e: number, hw = r.hw): bigint =>
  (BigInt(r.m.tables.hwEntryHi(hw, e)) << 32n) | BigInt(r.m.tables.hwEntryLo(hw, e));

test('a map is written to the hardware table (host address | permission), then the guest view', () => {
  const r = rig();
  assert.is(pathOf(put(r.m, 0x1000n, 0x2003n)), 'realmode: page-not-allocated > virtmode');
  assert.is(hwEntry(r, 1), BigInt(HPA_BASE + 0x2000) | 3n);
  assert.is(r.m.tables.hw.regionMapped(r.region), 1);
  assert.is(pathOf(put(r.m, 0x2000n, 0x5001n)), 'realmode'); // the UA cache exists now
  assert.is(hwEntry(r, 2), BigInt(HPA_BASE + 0x5000) | 1n);
  assert.is(pathOf(put(r.m, 0x2000n, 0n)), 'realmode');
  assert.is(hwEntry(r, 2), 0n);
  assert.is(r.m.tables.hw.regionMapped(r.region), 1);
});

test('the first map of a fresh hardware window always leaves real mode (ua-cache-missing)', () => {
  const m = machine('realmode');
  put(m, 0x1000n, 0x2003n); // guest page allocated, no hardware yet
  assert.is(pathOf(put(m, 0x2000n, 0x3003n)), 'realmode');
  const t = m.tables;
  t.hw.registerRegion(0, 0x10000000, 16);
  t.attachHwTable(t.findTable(0x80000000), t.createHwTable({ pageShift: 12, entries: 262144, busOffset: 0n, levels: 1 }));
  assert.is(pathOf(put(m, 0x3000n, 0x4003n)), 'realmode: ua-cache-missing > virtmode');
  assert.is(pathOf(put(m, 0x4000n, 0x4003n)), 'realmode');
});

test('memory that is not preregistered, or whose pages are too small, leaves the kernel', () => {
  const r = rig('realmode', { regionBytes: 0x100000 });
  put(r.m, 0x1000n, 0x2003n);
  const far = put(r.m, 0x2000n, 0x200003n);
  assert.equal([far.ret, pathOf(far)], [H_SUCCESS, 'realmode: not-preregistered > virtmode: not-preregistered > userspace']);
  // 64 KiB IOMMU pages over a region backed by 4 KiB pages: a security rule forbids it.
  const m = machine('realmode', { tables: [{ liobn: 0x80000000, busOffset: 0n, pageShift: 16, entries: 16384, userspaceOnly: false }] });
  const t = m.tables;
  t.attachHwTable(t.findTable(0x80000000), t.createHwTable({ pageShift: 16, entries: 16384, busOffset: 0n, levels: 1 }));
  t.hw.registerRegion(0, 0x10000000, 12);
  const r2 = put(m, 0x10000n, 0x20003n);
  assert.equal([r2.ret, pathOf(r2)], [H_SUCCESS, 'realmode: page-not-allocated > virtmode: prereg-page-too-small > userspace']);
});

test('a region being unregistered takes no new mapping; unregistering waits for its mappings', () => {
  const r = rig();
  put(r.m, 0x1000n, 0x2003n);
  const hw = r.m.tables.hw;
  hw.beginUnregister(r.region);
  assert.is(pathOf(put(r.m, 0x2000n, 0x3003n)), 'realmode: region-unregistering > virtmode: region-unregistering > userspace');
  assert.is(hw.unregisterRegion(r.region), 'EBUSY'); // entry 1 still maps into it
  assert.is(stuff(r.m, 0x1000n, 0n, 1n).ret, H_SUCCESS);
  assert.is(hwEntry(r, 1), 0n);
  assert.is(hw.regionMapped(r.region), 0);
  hw.beginUnregister(r.region);
  assert.is(hw.unregisterRegion(r.region), 'ok');
});

test('a 64 KiB guest page drives sixteen 4 KiB hardware entries', () => {
  const m = machine('virtmode', { tables: [{ liobn: 0x80000000, busOffset: 0n, pageShift: 16, entries: 16384, userspaceOnly: false }] });
  const t = m.tables;
  const hw = t.createHwTable({ pageShift: 12, entries: 262144, busOffset: 0n, levels: 1 });
  t.attachHwTable(t.findTable(0x80000000), hw);
  const region = t.hw.registerRegion(0, 0x10000000, 16);
  assert.is(put(m, 0x20000n, 0x50002n).ret, H_SUCCESS);
  for (let i = 0; i < 16; i++) assert.is(t.hwEntryLo(hw, 32 + i), (HPA_BASE + 0x50000 + i * 0x1000) % 2 ** 32 | 2);
  assert.is(t.hwEntryLo(hw, 48), 0);
  assert.is(t.hw.regionMapped(region), 16);
  assert.throws(() => t.attachHwTable(t.findTable(0x80000000), t.createHwTable({ pageShift: 24, entries: 64, busOffset: 0n, levels: 1 })), /EINVAL/);
});

test('a failing hardware table is cleared; tables before it keep the entry; the guest view is untouched', () => {
  const r = rig();
  const t = r.m.tables;
  put(r.m, 0x1000n, 0x2003n); // allocates the guest page and the first table's UA cache
  const second = t.createHwTable({ pageShift: 12, entries: 262144, busOffset: 0n, levels: 1 });
  t.attachHwTable(r.slot, second);
  const f = new Int32Array(FRAME_WORDS);
  f[F_OPCODE] = H_PUT_TCE;
  f[F_LIOBN_LO] = 0x80000000 | 0;
  f[F_IOBA_LO] = 0x3000;
  f[F_ARG_LO] = 0x7003;
  assert.is(realmodeHPutTce(t, f), H_TOO_HARD); // the second table has no UA cache yet
  assert.is(hwEntry(r, 3), BigInt(HPA_BASE + 0x7000) | 3n);
  assert.is(hwEntry(r, 3, second), 0n);
  assert.is(r.m.nonZeroEntries(0x80000000).get(0x3000n), undefined);
  // Virtual mode redoes the whole call.
  assert.is(pathOf(put(r.m, 0x3000n, 0x7003n)), 'realmode: ua-cache-missing > virtmode');
  assert.is(hwEntry(r, 3, second), BigInt(HPA_BASE + 0x7000) | 3n);
  assert.is(t.hw.regionMapped(r.region), 3);
});

test('a missing level of a multi-level table cannot be allocated in real mode', () => {
  const r = rig('realmode', { levels: 2 });
  put(r.m, 0x1000n, 0x2003n); // virtual mode: cache and the first level page
  assert.is(pathOf(put(r.m, 0x2000n, 0x2003n)), 'realmode');
  assert.is(pathOf(put(r.m, 0x2000000n, 0x2003n)), 'realmode: page-not-allocated > virtmode'); // entry 8192
  assert.is(pathOf(put(r.m, 0x4000000n, 0x3003n)), 'realmode: page-not-allocated > virtmode');
  r.m.tables.allocatePage(r.slot, 4); // entry 32768: guest page 4 present, hardware level 4 missing
  assert.is(pathOf(put(r.m, 0x8000000n, 0x3003n)), 'realmode: hw-level-missing > virtmode');
});

test('an INDIRECT list in preregistered memory needs no page-table walk', () => {
  const r = rig();
  put(r.m, 0x1000n, 0x2003n);
  r.m.tables.ram.setHostPageState(0x100000, { old: true });
  const res = indirect(r.m, 0x10000n, 0x100000n, [0x3003n, 0x4003n]);
  assert.equal([res.ret, pathOf(res)], [H_SUCCESS, 'realmode']);
  assert.is(hwEntry(r, 0x11), BigInt(HPA_BASE + 0x4000) | 3n);
});

test.run();
