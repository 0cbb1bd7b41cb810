/**
 * The in-thread rows: each real-mode handler called directly on a fixed frame, the bare
 * spinlocked 64-bit store they stand on, and a vCPU's whole step (entry, real mode and the
 * event records it appends to the shared ring) for H_PUT_TCE and H_GET_TCE.
 *
 * Every row works on entries 0..4095 of the default window (LIOBN 0x80000000, 4 KiB pages).
 * Between calls a row changes only the low halves of ioba and tce, with plain Int32 stores and
 * no BigInt. Any timed call that does not return H_SUCCESS throws. The backing pages are
 * allocated through virtual mode first, because real mode cannot allocate them and would
 * return H_TOO_HARD.
 */
import { allocateRing } from '../events/ring.js';
import { RH_HEAD, RH_TAIL, THREAD_VCPU, threadWord } from '../events/layout.js';
import { EventWriter } from '../events/writer.js';
import {
  F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, F_OPCODE,
  F_REASON, F_RET, F_SEQ, F_VCPU, FRAME_BYTES, FRAME_WORDS, u32,
} from '../papr/frame.js';
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE, hcallName } from '../papr/hcalls.js';
import { reasonName } from '../papr/reasons.js';
import { H_SUCCESS, returnCodeName } from '../papr/return-codes.js';
import { TIER_REALMODE } from '../papr/tiers.js';
import { TierMeter, type CostTable } from '../pipeline/costs.js';
import { Machine } from '../pipeline/machine.js';
import { defaultMachineConfig } from '../pipeline/machine-config.js';
import { STEP_ANSWERED, vcpuStep, type StepContext } from '../pipeline/steps.js';
import { realmodeHGetTce } from '../realmode/h-get-tce.js';
import { realmodeHPutTce } from '../realmode/h-put-tce.js';
import { realmodeHPutTceIndirect } from '../realmode/h-put-tce-indirect.js';
import { realmodeHStuffTce } from '../realmode/h-stuff-tce.js';
import { S_DATA, slotBase } from '../shared-memory/layout.js';
import { spinTryLock, unlock } from '../shared-memory/lock.js';
import { TceTables } from '../shared-memory/tce-tables.js';
import type { BatchBody } from './batch.js';

export const PUT_ROW = 'realmode H_PUT_TCE';
export const BARE_STORE_ROW = 'bare locked store (CAS, 2x Int32 store, xchg)';
const INDIRECT_N = 8;

/** Row names in the order they run and print. */
export const REALMODE_ROW_NAMES = [
  PUT_ROW,
  BARE_STORE_ROW,
  'spinTryLock + writeEntry + unlock (src)',
  'realmode H_GET_TCE',
  'realmode H_STUFF_TCE tce=0 npages=1',
  'realmode H_STUFF_TCE tce=0 npages=8',
  `realmode H_PUT_TCE_INDIRECT ${INDIRECT_N} entries`,
  'vcpuStep H_PUT_TCE with event records',
  'vcpuStep H_GET_TCE with event records',
] as const;

export interface RealmodeRow {
  readonly name: string;
  readonly body: BatchBody;
  /** TCEs each call writes or reads. */
  readonly entriesPerCall: number;
  /** Outside the timed window, before every batch of at most `maxBatch` calls. */
  readonly before?: () => void;
  /** Calls of its untimed warm-up (micro.ts), when RANGE is not enough to run every path it will take when timed. */
  readonly warmCalls?: number;
}

const LIOBN = 0x80000000;
/** Entries the rows cycle through (32 KiB of TCEs): a power of two, so the cursor wraps with a mask. */
export const RANGE = 4096;
const MASK = RANGE - 1;
/** Guest pages the mapping TCEs point at: 256 MiB into the 1 GiB of guest RAM. */
const GPA_BASE = 0x1000_0000;
/** The 4 KiB-aligned INDIRECT list page: 512 MiB into guest RAM. */
const LIST_GPA = 0x2000_0000;
const TCE_RW = 3;

function newFrame(opcode: number, npages: number): Int32Array {
  const f = new Int32Array(new SharedArrayBuffer(FRAME_BYTES));
  f[F_OPCODE] = opcode;
  f[F_LIOBN_LO] = LIOBN | 0;
  f[F_LIOBN_HI] = 0;
  f[F_IOBA_HI] = 0;
  f[F_ARG_HI] = 0;
  f[F_NPAGES_LO] = npages;
  f[F_NPAGES_HI] = 0;
  return f;
}

/** Cold path: a timed call did not succeed. */
function fail(f: Int32Array, ret: number): never {
  throw new Error(
    `${hcallName(u32(f, F_OPCODE))} ioba=0x${u32(f, F_IOBA_LO).toString(16)} arg=0x${u32(f, F_ARG_LO).toString(16)} ` +
    `returned ${returnCodeName(ret)} (reason ${reasonName(f[F_REASON] ?? 0)}): every timed call must be H_SUCCESS`,
  );
}

/**
 * A fresh machine and every row on it. `maxBatch` bounds the calls between two `before` hooks
 * (the vcpuStep rows' event ring is sized for it).
 */
export function realmodeRows(costs: CostTable, maxBatch: number): RealmodeRow[] {
  const machine = new Machine(defaultMachineConfig(), 'realmode');
  const t = machine.tables;
  const slot = t.findKernelTable(0, LIOBN);
  if (slot < 0) throw new Error(`no kernel table for liobn 0x${LIOBN.toString(16)}`);
  if (t.pageShift(slot) !== 12 || t.entries(slot) < RANGE || t.offsetPages(slot) !== 0) {
    throw new Error('the realmode rows expect the default window: 4 KiB pages from bus address 0, at least 4096 entries');
  }
  // Real mode cannot allocate backing pages, so make one virtual-mode H_PUT_TCE per page first.
  for (let page = t.pageOf(0); page <= t.pageOf(RANGE - 1); page++) {
    const ioba = BigInt(page * 2 ** t.entriesPerPageShift) << 12n;
    const r = machine.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba, arg: BigInt(GPA_BASE | TCE_RW) });
    if (r.ret !== H_SUCCESS) throw new Error(`pre-allocating backing page ${page}: ${returnCodeName(r.ret)}`);
  }
  if (!t.pagesAllocated(slot, 0, RANGE)) throw new Error('backing pages of the range are still not allocated');
  for (let i = 0; i < INDIRECT_N; i++) t.ram.writeBe64(BigInt(LIST_GPA + i * 8), BigInt((GPA_BASE + i * 4096) | TCE_RW));

  const ctl = t.control;
  const lockIdx = t.lockIndex(slot);
  const data = t.data;
  const arenaBase = ctl[slotBase(slot) + S_DATA] ?? 0;

  // Each row has its own loop on purpose: one shared loop calling handlers through a parameter
  // would make the call site polymorphic and measure the dispatch instead of the handler.
  let storeCursor = 0;
  /** Acquire with one compareExchange, store the lo and hi halves, release with exchange (as unlock does). */
  const bareLockedStore: BatchBody = (n) => {
    let c = storeCursor;
    for (let k = 0; k < n; k++) {
      if (Atomics.compareExchange(ctl, lockIdx, 0, 1) !== 0) throw new Error('table lock is held');
      const w = (arenaBase + c) * 2;
      data[w] = (GPA_BASE + (c << 12)) | TCE_RW;
      data[w + 1] = 0;
      if (Atomics.exchange(ctl, lockIdx, 0) === 2) Atomics.notify(ctl, lockIdx, 1);
      c = (c + 1) & MASK;
    }
    storeCursor = c;
  };

  let libCursor = 0;
  /** The same store through src/: spinTryLock, TceTables.writeEntry, unlock. */
  const libLockedStore: BatchBody = (n) => {
    let c = libCursor;
    const budget = t.spinBudget;
    for (let k = 0; k < n; k++) {
      if (!spinTryLock(ctl, lockIdx, budget)) throw new Error('table lock is held');
      t.writeEntry(slot, c, 0, (GPA_BASE + (c << 12)) | TCE_RW);
      unlock(ctl, lockIdx);
      c = (c + 1) & MASK;
    }
    libCursor = c;
  };

  const putFrame = newFrame(H_PUT_TCE, 0);
  let putCursor = 0;
  const putTce: BatchBody = (n) => {
    const f = putFrame;
    let c = putCursor;
    for (let k = 0; k < n; k++) {
      f[F_IOBA_LO] = c << 12;
      f[F_ARG_LO] = (GPA_BASE + (c << 12)) | TCE_RW;
      const ret = realmodeHPutTce(t, f);
      if (ret !== H_SUCCESS) fail(f, ret);
      c = (c + 1) & MASK;
    }
    putCursor = c;
  };

  const getFrame = newFrame(H_GET_TCE, 0);
  let getCursor = 0;
  const getTce: BatchBody = (n) => {
    const f = getFrame;
    let c = getCursor;
    for (let k = 0; k < n; k++) {
      f[F_IOBA_LO] = c << 12;
      const ret = realmodeHGetTce(t, f);
      if (ret !== H_SUCCESS) fail(f, ret);
      c = (c + 1) & MASK;
    }
    getCursor = c;
  };

  function stuffTce(npages: number): BatchBody {
    const f = newFrame(H_STUFF_TCE, npages);
    f[F_ARG_LO] = 0; // clear: H_STUFF_TCE only clears or poisons
    let cursor = 0;
    return (n) => {
      let c = cursor;
      for (let k = 0; k < n; k++) {
        f[F_IOBA_LO] = c << 12;
        const ret = realmodeHStuffTce(t, f);
        if (ret !== H_SUCCESS) fail(f, ret);
        c = (c + npages) & MASK;
      }
      cursor = c;
    };
  }

  const indirectFrame = newFrame(H_PUT_TCE_INDIRECT, INDIRECT_N);
  indirectFrame[F_ARG_LO] = LIST_GPA;
  let indirectCursor = 0;
  const putTceIndirect: BatchBody = (n) => {
    const f = indirectFrame;
    let c = indirectCursor;
    for (let k = 0; k < n; k++) {
      f[F_IOBA_LO] = c << 12;
      const ret = realmodeHPutTceIndirect(t, f);
      if (ret !== H_SUCCESS) fail(f, ret);
      c = (c + INDIRECT_N) & MASK;
    }
    indirectCursor = c;
  };

  // --- a vCPU's step: entry, real mode, and its records in the shared event ring ---

  // A ring with room for a whole batch (at most 4 records per call), emptied before each batch
  // by moving its tail to its head: the records are written and published as in a run, and
  // never read, so draining costs nothing inside the timed window and the ring never fills.
  let ringRecords = 1024;
  while (ringRecords < maxBatch * 4) ringRecords *= 2;
  const ring = allocateRing(ringRecords);
  const ringHeader = new Int32Array(ring.header);
  const emptyRing = (): void => {
    Atomics.store(ringHeader, RH_TAIL, Atomics.load(ringHeader, RH_HEAD));
  };
  // The warm-up takes the ring round twice. Emptying it moves the tail behind the writer's back,
  // so once a lap the writer finds the ring seemingly full and rereads the tail: a path the
  // first lap never ran. Its first run throws out the compiled handler (deoptimized for
  // feedback it never had) and the handler is compiled again. With 4096 warm-up calls that
  // happened inside the timed part, at a moment that varied with the host, so a process's
  // fastest batch came from one compiled version or the other: the vcpuStep rows' ratio to the
  // store settled on 4.7 or 5.25 from one process to the next (docs/regression.md).
  const ringWarmCalls = 2 * ringRecords;
  const stepTables = new TceTables(t.shared);
  const writer = new EventWriter(ring, 'fail');
  writer.thread = threadWord(THREAD_VCPU, 0);
  stepTables.writeLog = writer;
  const ctx: StepContext = { t: stepTables, w: writer, meter: new TierMeter(costs) };

  function stepFrame(opcode: number): { f: Int32Array; fd: Float64Array } {
    const buf = new SharedArrayBuffer(FRAME_BYTES);
    const f = new Int32Array(buf, 0, FRAME_WORDS);
    const fd = new Float64Array(buf, 0, FRAME_WORDS / 2);
    f.set(newFrame(opcode, 0));
    f[F_VCPU] = 0;
    return { f, fd };
  }

  const stepPut = stepFrame(H_PUT_TCE);
  let stepPutCursor = 0;
  let stepPutSeq = 0;
  const vcpuStepPut: BatchBody = (n) => {
    const { f, fd } = stepPut;
    let c = stepPutCursor;
    for (let k = 0; k < n; k++) {
      f[F_SEQ] = stepPutSeq++;
      f[F_IOBA_LO] = c << 12;
      f[F_ARG_LO] = (GPA_BASE + (c << 12)) | TCE_RW;
      if (vcpuStep(ctx, TIER_REALMODE, f, fd, 0) !== STEP_ANSWERED || f[F_RET] !== H_SUCCESS) fail(f, f[F_RET] as number);
      c = (c + 1) & MASK;
    }
    stepPutCursor = c;
  };

  const stepGet = stepFrame(H_GET_TCE);
  let stepGetCursor = 0;
  let stepGetSeq = 0;
  const vcpuStepGet: BatchBody = (n) => {
    const { f, fd } = stepGet;
    let c = stepGetCursor;
    for (let k = 0; k < n; k++) {
      f[F_SEQ] = stepGetSeq++;
      f[F_IOBA_LO] = c << 12;
      if (vcpuStep(ctx, TIER_REALMODE, f, fd, 0) !== STEP_ANSWERED || f[F_RET] !== H_SUCCESS) fail(f, f[F_RET] as number);
      c = (c + 1) & MASK;
    }
    stepGetCursor = c;
  };

  const rows: RealmodeRow[] = [
    { name: PUT_ROW, body: putTce, entriesPerCall: 1 },
    { name: BARE_STORE_ROW, body: bareLockedStore, entriesPerCall: 1 },
    { name: 'spinTryLock + writeEntry + unlock (src)', body: libLockedStore, entriesPerCall: 1 },
    { name: 'realmode H_GET_TCE', body: getTce, entriesPerCall: 1 },
    { name: 'realmode H_STUFF_TCE tce=0 npages=1', body: stuffTce(1), entriesPerCall: 1 },
    { name: 'realmode H_STUFF_TCE tce=0 npages=8', body: stuffTce(8), entriesPerCall: 8 },
    { name: `realmode H_PUT_TCE_INDIRECT ${INDIRECT_N} entries`, body: putTceIndirect, entriesPerCall: INDIRECT_N },
    { name: 'vcpuStep H_PUT_TCE with event records', body: vcpuStepPut, entriesPerCall: 1, before: emptyRing, warmCalls: ringWarmCalls },
    { name: 'vcpuStep H_GET_TCE with event records', body: vcpuStepGet, entriesPerCall: 1, before: emptyRing, warmCalls: ringWarmCalls },
  ];
  const names = rows.map((r) => r.name);
  if (names.join('\n') !== REALMODE_ROW_NAMES.join('\n')) throw new Error('REALMODE_ROW_NAMES is out of step with the rows');
  return rows;
}
