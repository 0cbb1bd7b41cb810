/**
 * A removed hardware table gives its arena range (entries and indirect-level flags) back: a
 * long run of TCE_CREATE/TCE_REMOVE with nothing left live must never run out of arena (the
 * kernel frees a window's table on removal, so it never answers ENOMEM for that), and each new
 * window starts empty even where an earlier one had entries.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogDrain } from '../../src/events/drain.js';
import { RECORD_WORDS } from '../../src/events/layout.js';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { allocateRing } from '../../src/events/ring.js';
import { recordFinalTables, recordTables } from '../../src/events/table-records.js';
import { EventWriter } from '../../src/events/writer.js';
import { errnoName } from '../../src/host/errno.js';
import { logHost, recordHostFinal } from '../../src/host/host-records.js';
import { HW_DATA, UA_BASE } from '../../src/host/hw-tables.js';
import { RangeFreeList } from '../../src/host/hw-arena.js';
import { vfioGroupSetContainer } from '../../src/host/vfio/group.js';
import { vfioIommuMapDma } from '../../src/host/vfio/map-dma.js';
import { vfioIommuSpaprRegisterMemory } from '../../src/host/vfio/register-memory.js';
import { vfioOpenContainer, vfioSetIommu } from '../../src/host/vfio/set-iommu.js';
import { vfioIommuSpaprTceCreate } from '../../src/host/vfio/tce-create.js';
import { vfioIommuSpaprTceRemove } from '../../src/host/vfio/tce-remove.js';
import { H_ARENA_CAPACITY, H_ARENA_USED, H_PAGES_USED } from '../../src/shared-memory/layout.js';
import { hostMachine, hwEntries } from './rigs.js';

const UA = BigInt(UA_BASE);
const ok = (got: number, what: string): void => assert.is(errnoName(got), errnoName(0), what);

test('40 create/remove cycles of both container windows (sizes alternating) never exhaust the arena; each new window starts empty', () => {
  const m = hostMachine('realmode', [{}]);
  const h = m.host!;
  const t = m.tables;
  const c = vfioOpenContainer(h, 'c');
  ok(vfioGroupSetContainer(c, 1), 'attach');
  ok(vfioSetIommu(c, 'v2'), 'v2');
  ok(vfioIommuSpaprRegisterMemory(c, { vaddr: UA, size: 0x10000000n }), 'register');
  ok(vfioIommuSpaprTceRemove(c, 0n), 'cancel the default window');
  const lockedRegistered = h.memory.lockedBytes;
  // The windows of one cycle, then of the next: a freed 1 GiB range must serve two 512 MiB
  // windows, and once they are gone, a 1 GiB window again (freed neighbours merge).
  const shapes = [
    [{ pageShift: 12, windowSize: 0x40000000n, levels: 1 }, { pageShift: 16, windowSize: 0x40000000n, levels: 2 }],
    [{ pageShift: 12, windowSize: 0x20000000n, levels: 1 }, { pageShift: 12, windowSize: 0x20000000n, levels: 3 }],
  ];
  const capacity = t.control[H_ARENA_CAPACITY]!;
  let usedAfterFirstRound = -1;
  let pagesAfterFirstRound = -1;
  const cycles = 40;
  // Without reuse the arena holds only a few of these cycles.
  assert.ok(cycles * (0x40000 + 0x4000) > capacity, 'the cycles together need more than the whole arena');
  for (let i = 0; i < cycles; i++) {
    const windows = shapes[i % 2]!;
    for (let k = 0; k < windows.length; k++) {
      const w = vfioIommuSpaprTceCreate(c, windows[k]!);
      ok(w.ret, `cycle ${i} window ${k}`);
      const hw = c.tables[k] as number;
      assert.is(hwEntries(m, hw).size, 0, `cycle ${i} window ${k} starts empty`);
      const page = 1n << BigInt(windows[k]!.pageShift);
      ok(vfioIommuMapDma(c, { vaddr: UA + page * BigInt(i + 1), iova: w.startAddr! + page * BigInt(i % 7), size: page, read: true, write: true }), `cycle ${i} map`);
      assert.is(hwEntries(m, hw).size, 1);
    }
    ok(vfioIommuSpaprTceRemove(c, 1n << 59n), `cycle ${i} remove window 1`);
    ok(vfioIommuSpaprTceRemove(c, 0n), `cycle ${i} remove window 0`);
    if (i === 1) {
      usedAfterFirstRound = t.control[H_ARENA_USED]!;
      pagesAfterFirstRound = t.control[H_PAGES_USED]!;
    }
  }
  assert.is(t.control[H_ARENA_USED], usedAfterFirstRound, 'no arena taken after the first round of shapes');
  assert.is(t.control[H_PAGES_USED], pagesAfterFirstRound, 'no level flags taken after the first round of shapes');
  assert.is(h.memory.lockedBytes, lockedRegistered, 'every window refunded its locked memory');
});

test('the log of many create/map/remove cycles, windows landing on ranges earlier ones used, replays and verifies', () => {
  // Mode userspace: no kernel table charged before this log starts (a run's log records that charge; this one begins later).
  const m = hostMachine('userspace', [{}]);
  const h = m.host!;
  const t = m.tables;
  const ring = allocateRing(2 ** 10);
  const drain = new LogDrain(ring);
  const kept: number[] = [];
  drain.addSink({ records: (words, count) => { for (let i = 0; i < count * RECORD_WORDS; i++) kept.push(words[i]!); } });
  const w = new EventWriter(ring, () => drain.drain());
  t.writeLog = w;
  logHost(h, w);
  recordTables(w, t);
  const c = vfioOpenContainer(h, 'c');
  ok(vfioGroupSetContainer(c, 1), 'attach');
  ok(vfioSetIommu(c, 'v2'), 'v2');
  ok(vfioIommuSpaprRegisterMemory(c, { vaddr: UA, size: 0x10000000n }), 'register');
  ok(vfioIommuSpaprTceRemove(c, 0n), 'cancel the default window');
  const starts = new Set<number>();
  for (let i = 0; i < 16; i++) {
    const size = i % 3 === 0 ? 0x40000000n : 0x20000000n;
    const a = vfioIommuSpaprTceCreate(c, { pageShift: 12, windowSize: size, levels: 1 });
    ok(a.ret, `cycle ${i} window 0`);
    const b = vfioIommuSpaprTceCreate(c, { pageShift: 12, windowSize: 0x20000000n, levels: 2 });
    ok(b.ret, `cycle ${i} window 1`);
    for (const hw of [c.tables[0]!, c.tables[1]!]) starts.add(t.hw.hwWord(hw, HW_DATA));
    for (let p = 0n; p < 4n; p++) {
      ok(vfioIommuMapDma(c, { vaddr: UA + 0x1000n * (p + BigInt(i)), iova: a.startAddr! + 0x1000n * (p * 3n + BigInt(i)), size: 0x1000n, read: true, write: p !== 0n }), 'map 0');
      ok(vfioIommuMapDma(c, { vaddr: UA + 0x2000n * p, iova: b.startAddr! + 0x1000n * (p + BigInt(i)), size: 0x1000n, read: true, write: true }), 'map 1');
    }
    if (i === 15) break; // the last cycle's windows stay live, so the final tables are not empty
    ok(vfioIommuSpaprTceRemove(c, b.startAddr!), `cycle ${i} remove window 1`);
    ok(vfioIommuSpaprTceRemove(c, 0n), `cycle ${i} remove window 0`);
  }
  assert.ok(starts.size < 32, 'windows landed on ranges earlier windows used');
  recordFinalTables(w, t);
  recordHostFinal(h, w);
  drain.drain();
  const words = Int32Array.from(kept);
  const r = replayRecords(words, words.length / RECORD_WORDS);
  assert.equal(r.chainBreaks, []);
  assert.equal(r.mismatches, []);
  assert.is(r.writes, 16 * 8 + 15 * 8, 'every map and every clearing write is in the log');
  assert.ok(replayVerified(r));
});

test('the free list: first fit, a split keeps the rest, neighbours merge on both sides, nothing fits → -1', () => {
  const f = new RangeFreeList();
  assert.is(f.take(1), -1);
  f.give(100, 10);
  f.give(120, 10);
  assert.is(f.take(20), -1, 'two ranges with a gap between are not one');
  f.give(110, 10);
  assert.equal(f.ranges(), [[100, 30]], 'the middle range joins both neighbours');
  assert.is(f.take(4), 100);
  assert.equal(f.ranges(), [[104, 26]]);
  f.give(0, 8);
  assert.is(f.take(8), 0, 'first fit: the lowest range that holds the request');
  assert.is(f.take(26), 104);
  assert.equal(f.ranges(), []);
  f.give(50, 0);
  assert.equal(f.ranges(), [], 'an empty range is not kept');
  assert.throws(() => { f.give(10, 5); f.give(12, 5); }, /overlaps/);
});

test.run();
