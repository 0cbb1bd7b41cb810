/**
 * Records that describe tables rather than calls: which tables exist (so a reader knows their
 * geometry) and, at the end of a run, every non-zero entry of every table (what replay
 * compares its rebuilt tables with). Main thread only.
 */
import { HW_BUS_HI, HW_BUS_LO, HW_DATA, HW_ENTRIES, HW_PAGE_SHIFT, HW_STATE } from '../host/hw-tables.js';
import { MAX_HW_PER_TABLE } from '../shared-memory/layout.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import {
  FLAG_HW, KIND_IOMMU_REPLAY, KIND_SNAPSHOT, KIND_SNAPSHOT_END, KIND_TABLE, KIND_TABLE_MOVED, KIND_VCPU_TOTALS, NO_TIER, RECORD_WORDS, R_F64_HCALL_NS, R_F64_MAPPED,
  R_F64_RUN_WALL_MS, R_F64_TIME, R_HEAD, R_P0, R_SEQ, R_VCPU, recordHead,
} from './layout.js';
import type { EventWriter } from './writer.js';

function hwAttachedTo(t: TceTables, hw: number): number {
  for (const slot of t.liveSlots()) {
    for (let k = 0; k < MAX_HW_PER_TABLE; k++) if (t.attachedHw(slot, k) === hw) return t.liobn(slot);
  }
  return 0;
}

/**
 * A TABLE record for a guest-view table QEMU enabled mid-run (a DDW window, a reset's default
 * window: it starts empty), or, with `removed`, for one it disabled (0 entries: it is gone).
 */
export function recordTableChange(w: EventWriter, t: TceTables, slot: number, liobn: number, removed: boolean): void {
  const r = new Int32Array(RECORD_WORDS);
  r[R_HEAD] = recordHead(KIND_TABLE, NO_TIER, 0, 0);
  r[R_P0] = liobn;
  if (!removed) {
    r[R_P0 + 1] = t.pageShift(slot);
    r[R_P0 + 2] = t.entries(slot);
    r[R_P0 + 3] = t.busOffsetLo(slot);
    r[R_P0 + 4] = t.busOffsetHi(slot);
    r[R_P0 + 5] = t.isInKernel(slot) ? 1 : 0;
  }
  w.appendRaw(r, 0);
}

/** A table moved to userspace and the mappings replayed (one record each, then how many). */
export function recordTableMove(w: EventWriter, t: TceTables, slot: number, liobn: number, replayed: readonly number[]): void {
  const r = new Int32Array(RECORD_WORDS);
  r[R_HEAD] = recordHead(KIND_TABLE_MOVED, NO_TIER, 0, 0);
  r[R_P0] = liobn;
  r[R_P0 + 1] = replayed.length;
  w.appendRaw(r, 0);
  for (const index of replayed) {
    r.fill(0);
    r[R_HEAD] = recordHead(KIND_IOMMU_REPLAY, NO_TIER, 0, 0);
    r[R_P0] = liobn;
    r[R_P0 + 1] = index;
    r[R_P0 + 2] = t.entryLo(slot, index);
    r[R_P0 + 3] = t.entryHi(slot, index);
    w.appendRaw(r, 0);
  }
}

/** A TABLE record for every live guest-view and hardware table. */
export function recordTables(w: EventWriter, t: TceTables): void {
  const r = new Int32Array(RECORD_WORDS);
  for (const slot of t.liveSlots()) recordTableChange(w, t, slot, t.liobn(slot), false);
  for (let hw = 0; hw < t.hw.maxHw; hw++) {
    if (t.hw.hwWord(hw, HW_STATE) === 0) continue;
    r.fill(0);
    r[R_HEAD] = recordHead(KIND_TABLE, NO_TIER, 0, FLAG_HW);
    r[R_P0] = hw;
    r[R_P0 + 1] = t.hw.hwWord(hw, HW_PAGE_SHIFT);
    r[R_P0 + 2] = t.hw.hwWord(hw, HW_ENTRIES);
    r[R_P0 + 3] = t.hw.hwWord(hw, HW_BUS_LO);
    r[R_P0 + 4] = t.hw.hwWord(hw, HW_BUS_HI);
    r[R_P0 + 5] = 1;
    r[R_P0 + 6] = hwAttachedTo(t, hw);
    w.appendRaw(r, 0);
  }
}

/**
 * The final tables: a SNAPSHOT record per non-zero entry, then SNAPSHOT_END. Call when no
 * other thread writes any more.
 */
export function recordFinalTables(w: EventWriter, t: TceTables): void {
  const r = new Int32Array(RECORD_WORDS);
  let entries = 0;
  let tables = 0;
  const put = (flags: number, id: number, index: number, lo: number, hi: number): void => {
    r.fill(0);
    r[R_HEAD] = recordHead(KIND_SNAPSHOT, NO_TIER, 0, flags);
    r[R_P0] = id;
    r[R_P0 + 1] = index;
    r[R_P0 + 2] = lo;
    r[R_P0 + 3] = hi;
    w.appendRaw(r, 0);
    entries++;
  };
  // The entries are read straight from the arena (entry i of a table at word (data + i) * 2,
  // low half first), as entryLo/entryHi read them: a replay's tables hold ~400k entries, mostly
  // empty, and this runs once, after the run, before the report.
  const d = t.data;
  for (const slot of t.liveSlots()) {
    tables++;
    const n = t.entries(slot);
    const id = t.liobn(slot);
    const base = t.arena(slot).data * 2;
    for (let i = 0; i < n; i++) {
      const w = base + i * 2;
      if (((d[w] as number) | (d[w + 1] as number)) !== 0) put(0, id, i, (d[w] as number) >>> 0, (d[w + 1] as number) >>> 0);
    }
  }
  for (let hw = 0; hw < t.hw.maxHw; hw++) {
    if (t.hw.hwWord(hw, HW_STATE) === 0) continue;
    tables++;
    const n = t.hw.hwWord(hw, HW_ENTRIES) >>> 0;
    const base = t.hw.hwWord(hw, HW_DATA) * 2;
    for (let e = 0; e < n; e++) {
      const w = base + e * 2;
      if (((d[w] as number) | (d[w + 1] as number)) !== 0) put(FLAG_HW, hw, e, (d[w] as number) >>> 0, (d[w + 1] as number) >>> 0);
    }
  }
  r.fill(0);
  r[R_HEAD] = recordHead(KIND_SNAPSHOT_END, NO_TIER, 0, 0);
  r[R_P0] = entries;
  r[R_P0 + 1] = tables;
  w.appendRaw(r, 0);
}

export interface VcpuTotalsRecord {
  readonly vcpu: number;
  readonly calls: number;
  readonly clockNs: number;
  readonly hcallNs: number;
  readonly mappedBytes: number;
}

/** A VCPU_TOTALS record per vCPU, so a log alone gives the run's modelled figures. */
export function recordVcpuTotals(w: EventWriter, totals: readonly VcpuTotalsRecord[], runWallMs: number): void {
  const r = new Int32Array(RECORD_WORDS);
  const d = new Float64Array(r.buffer);
  for (const t of totals) {
    r.fill(0);
    r[R_HEAD] = recordHead(KIND_VCPU_TOTALS, NO_TIER, 0, 0);
    r[R_VCPU] = t.vcpu;
    r[R_SEQ] = t.calls;
    d[R_F64_TIME] = t.clockNs;
    d[R_F64_HCALL_NS] = t.hcallNs;
    d[R_F64_MAPPED] = t.mappedBytes;
    d[R_F64_RUN_WALL_MS] = runWallMs;
    w.appendRaw(r, 0);
  }
}
