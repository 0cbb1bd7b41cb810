/**
 * A hardware map that fails part-way through a guest entry (here after three of sixteen 4 KiB
 * subpages) writes those subpages, then clears all sixteen: more table writes than the entry's
 * share of the reservation. With a log attached, every tier must have reserved room for that
 * worst case — nothing may throw — and leave the state SPEC §3 gives: failing table cleared,
 * earlier entries kept, guest view of the failing entry untouched.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocateRing } from '../../src/events/ring.js';
import { EventWriter } from '../../src/events/writer.js';
import { F_ARG_LO, F_IOBA_LO, F_LIOBN_LO, F_NPAGES_LO, F_OPCODE, F_REASON, FRAME_WORDS } from '../../src/papr/frame.js';
import { H_PUT_TCE, H_PUT_TCE_INDIRECT } from '../../src/papr/hcalls.js';
import { REASON_NOT_PREREGISTERED } from '../../src/papr/reasons.js';
import { H_TOO_HARD } from '../../src/papr/return-codes.js';
import type { Machine } from '../../src/pipeline/machine.js';
import { realmodeHPutTce } from '../../src/realmode/h-put-tce.js';
import { realmodeHPutTceIndirect } from '../../src/realmode/h-put-tce-indirect.js';
import { virtmodeHPutTce } from '../../src/virtmode/h-put-tce.js';
import { virtmodeHPutTceIndirect } from '../../src/virtmode/h-put-tce-indirect.js';
import { machine } from '../machines.js';

const LIOBN = 0x80000000;

/** 64 KiB guest pages over 4 KiB hardware pages; RAM preregistered only up to 0x53000. */
function rig(): { m: Machine; slot: number; hw: number; region: number } {
  const m = machine('realmode', { tables: [{ liobn: LIOBN, busOffset: 0n, pageShift: 16, entries: 16384, userspaceOnly: false }] });
  const t = m.tables;
  const slot = t.findTable(LIOBN);
  const hw = t.createHwTable({ pageShift: 12, entries: 262144, busOffset: 0n, levels: 1 });
  t.attachHwTable(slot, hw);
  const region = t.hw.registerRegion(0, 0x53000, 16);
  t.allocatePage(slot, 0);
  t.hwAllocateUaCache(hw);
  t.writeLog = new EventWriter(allocateRing(4096), 'fail');
  return { m, slot, hw, region };
}

function frame(opcode: number, ioba: number, arg: number, npages = 0): Int32Array {
  const f = new Int32Array(FRAME_WORDS);
  f[F_OPCODE] = opcode;
  f[F_LIOBN_LO] = LIOBN | 0;
  f[F_IOBA_LO] = ioba;
  f[F_ARG_LO] = arg;
  f[F_NPAGES_LO] = npages;
  return f;
}

const handlers = {
  realmode: { put: realmodeHPutTce, indirect: realmodeHPutTceIndirect },
  virtmode: { put: virtmodeHPutTce, indirect: virtmodeHPutTceIndirect },
};

for (const [tier, h] of Object.entries(handlers)) {
  test(`${tier} PUT: a hardware map failing after 3 of 16 subpages clears them, throws nothing`, () => {
    const { m, slot, hw, region } = rig();
    const t = m.tables;
    const f = frame(H_PUT_TCE, 0x10000, 0x50003);
    assert.is(h.put(t, f), H_TOO_HARD);
    assert.is(f[F_REASON], REASON_NOT_PREREGISTERED);
    for (let e = 16; e < 32; e++) assert.is(t.hwEntryLo(hw, e), 0, `hardware entry ${e}`);
    assert.is(t.entryLo(slot, 1), 0);
    assert.is(t.hw.regionMapped(region), 0);
  });

  test(`${tier} INDIRECT: entries before the failing one stay; the failing one is cleared; throws nothing`, () => {
    const { m, slot, hw, region } = rig();
    const t = m.tables;
    t.ram.writeBe64(0x100000n, 0x20003n);
    t.ram.writeBe64(0x100008n, 0x50003n);
    const f = frame(H_PUT_TCE_INDIRECT, 0x10000, 0x100000, 2);
    assert.is(h.indirect(t, f), H_TOO_HARD);
    assert.is(f[F_REASON], REASON_NOT_PREREGISTERED);
    for (let e = 16; e < 32; e++) assert.ok(t.hwEntryLo(hw, e) !== 0, `hardware entry ${e} kept`);
    for (let e = 32; e < 48; e++) assert.is(t.hwEntryLo(hw, e), 0, `hardware entry ${e} cleared`);
    assert.is(t.entryLo(slot, 1), 0x20003);
    assert.is(t.entryLo(slot, 2), 0);
    assert.is(t.hw.regionMapped(region), 16);
  });
}

test.run();
