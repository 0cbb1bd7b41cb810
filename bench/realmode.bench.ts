/**
 * Real-mode hypercall throughput on one thread, next to the bare cost of a spinlocked
 * 64-bit store into the same SharedArrayBuffer.
 *
 *   npm run bench                        # build, then run every row
 *   npm run bench -- --json out.json     # also write the summaries as JSON
 *   node --expose-gc dist/bench/realmode.bench.js --gc-check   # add an allocation check (10M calls/row)
 *
 * Options: --time MS (per task, default 1000), --batch N (calls per sample, default 1000),
 * --json FILE, --gc-check, --gc-calls N (default 10_000_000), --filter REGEX (run only the rows whose
 * name matches REGEX, e.g. under `node --cpu-prof`; the ratio needs both of the first two rows).
 *
 * Each row calls a handler directly on a fixed frame (an Int32Array, src/papr/frame.ts). Between
 * calls the loop changes only the low halves of ioba and tce, with plain Int32 stores and no
 * BigInt. Any timed call that does not return H_SUCCESS throws. The backing pages are allocated
 * through virtual mode first, because real mode cannot allocate them and would return H_TOO_HARD.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Bench, type Task } from 'tinybench';
import {
  F_ARG_HI, F_ARG_LO, F_IOBA_HI, F_IOBA_LO, F_LIOBN_HI, F_LIOBN_LO, F_NPAGES_HI, F_NPAGES_LO, F_OPCODE,
  F_REASON, FRAME_BYTES, u32,
} from '../src/papr/frame.js';
import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE, hcallName } from '../src/papr/hcalls.js';
import { reasonName } from '../src/papr/reasons.js';
import { H_SUCCESS, returnCodeName } from '../src/papr/return-codes.js';
import { Machine } from '../src/pipeline/machine.js';
import { defaultMachineConfig } from '../src/pipeline/machine-config.js';
import { realmodeHGetTce } from '../src/realmode/h-get-tce.js';
import { realmodeHPutTce } from '../src/realmode/h-put-tce.js';
import { realmodeHPutTceIndirect } from '../src/realmode/h-put-tce-indirect.js';
import { realmodeHStuffTce } from '../src/realmode/h-stuff-tce.js';
import { S_DATA, slotBase } from '../src/shared-memory/layout.js';
import { spinTryLock, unlock } from '../src/shared-memory/lock.js';
import { allocationCheck, batched, type BatchBody } from './batch.js';

const { values: opts } = parseArgs({
  options: {
    time: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '1000' },
    json: { type: 'string' },
    'gc-check': { type: 'boolean', default: false },
    'gc-calls': { type: 'string', default: '10000000' },
    filter: { type: 'string' },
  },
  strict: true,
});
const TIME_MS = positiveInt('--time', opts.time);
const BATCH = positiveInt('--batch', opts.batch);
const GC_CALLS = positiveInt('--gc-calls', opts['gc-calls']);

// --- the machine and the range of entries every row works on ---

const LIOBN = 0x80000000;
/** Entries the rows cycle through (32 KiB of TCEs): a power of two, so the cursor wraps with a mask. */
const RANGE = 4096;
const MASK = RANGE - 1;
/** Guest pages the mapping TCEs point at: 256 MiB into the 1 GiB of guest RAM. */
const GPA_BASE = 0x1000_0000;
/** The 4 KiB-aligned INDIRECT list page: 512 MiB into guest RAM. */
const LIST_GPA = 0x2000_0000;
const INDIRECT_N = 8;
const TCE_RW = 3;

const machine = new Machine(defaultMachineConfig(), 'realmode');
const t = machine.tables;
const slot = t.findKernelTable(0, LIOBN);
if (slot < 0) throw new Error(`no kernel table for liobn 0x${LIOBN.toString(16)}`);
const SHIFT = t.pageShift(slot);
if (SHIFT !== 12 || t.entries(slot) < RANGE || t.offsetPages(slot) !== 0) {
  throw new Error('the bench expects the default window: 4 KiB pages from bus address 0, at least 4096 entries');
}

// Real mode cannot allocate backing pages, so do one virtual-mode H_PUT_TCE per page first.
for (let page = t.pageOf(0); page <= t.pageOf(RANGE - 1); page++) {
  const ioba = BigInt(page * 2 ** t.entriesPerPageShift) << BigInt(SHIFT);
  const r = machine.call({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba, arg: BigInt(GPA_BASE | TCE_RW) });
  if (r.ret !== H_SUCCESS) throw new Error(`pre-allocating backing page ${page}: ${returnCodeName(r.ret)}`);
}
if (!t.pagesAllocated(slot, 0, RANGE)) throw new Error('backing pages of the range are still not allocated');
for (let i = 0; i < INDIRECT_N; i++) {
  t.ram.writeBe64(BigInt(LIST_GPA + i * 8), BigInt((GPA_BASE + i * 4096) | TCE_RW));
}

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

// --- the rows: each body runs one operation n times, moving through the range ---

const ctl = t.control;
const lockIdx = t.lockIndex(slot);
const data = t.data;
const arenaBase = ctl[slotBase(slot) + S_DATA] ?? 0;

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

// Each row has its own loop on purpose: one shared loop calling handlers through a parameter
// would make the call site polymorphic and measure the dispatch instead of the handler.
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

const PUT_ROW = 'realmode H_PUT_TCE';
const BARE_ROW = 'bare locked store (CAS, 2x Int32 store, xchg)';
const ALL_ROWS: readonly { name: string; body: BatchBody; entriesPerCall: number }[] = [
  { name: PUT_ROW, body: putTce, entriesPerCall: 1 },
  { name: BARE_ROW, body: bareLockedStore, entriesPerCall: 1 },
  { name: 'spinTryLock + writeEntry + unlock (src)', body: libLockedStore, entriesPerCall: 1 },
  { name: 'realmode H_GET_TCE', body: getTce, entriesPerCall: 1 },
  { name: 'realmode H_STUFF_TCE tce=0 npages=1', body: stuffTce(1), entriesPerCall: 1 },
  { name: 'realmode H_STUFF_TCE tce=0 npages=8', body: stuffTce(8), entriesPerCall: 8 },
  { name: `realmode H_PUT_TCE_INDIRECT ${INDIRECT_N} entries`, body: putTceIndirect, entriesPerCall: INDIRECT_N },
];

const filter = opts.filter === undefined ? undefined : new RegExp(opts.filter);
const ROWS = ALL_ROWS.filter((r) => filter === undefined || filter.test(r.name));
if (ROWS.length === 0) throw new Error(`--filter ${opts.filter}: no row matches`);

// --- run ---

// Run every body once outside tinybench, so a failing call stops the run before any timing.
for (const row of ROWS) row.body(RANGE);

const bench = new Bench({ name: 'realmode', time: TIME_MS, warmupTime: 250, throws: true });
for (const row of ROWS) bench.add(row.name, batched(BATCH, row.body));

console.log(`tcesim realmode bench: node ${process.version}, availableParallelism ${os.availableParallelism()}, ` +
  `${os.cpus()[0]?.model ?? 'unknown cpu'}, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${BATCH} calls per sample, ${TIME_MS} ms per row, entries 0..${RANGE - 1} of liobn 0x${LIOBN.toString(16)}\n`);
bench.runSync();

interface Summary {
  name: string;
  medianNsPerCall: number;
  meanNsPerCall: number;
  p99NsPerCall: number;
  callsPerSecond: number;
  /** Table entries written or read per second (calls/s x entries per call). */
  entriesPerSecond: number;
  samples: number;
  rmePercent: number;
}

function summarize(task: Task, entriesPerCall: number): Summary {
  const r = task.result;
  if (r.state !== 'completed') {
    throw new Error(`${task.name}: ${r.state}${r.state === 'errored' ? `: ${r.error.message}` : ''}`);
  }
  const median = r.latency.p50 * 1e6;
  return {
    name: task.name,
    medianNsPerCall: median,
    meanNsPerCall: r.latency.mean * 1e6,
    p99NsPerCall: r.latency.p99 * 1e6,
    callsPerSecond: 1e9 / median,
    entriesPerSecond: (1e9 / median) * entriesPerCall,
    samples: r.latency.samplesCount,
    rmePercent: r.latency.rme,
  };
}

const summaries = ROWS.map((row) => {
  const task = bench.getTask(row.name);
  if (task === undefined) throw new Error(`task ${row.name} is missing`);
  return summarize(task, row.entriesPerCall);
});

const header = ['row', 'median ns/call', 'mean ns', 'p99 ns', 'M calls/s', 'M entries/s', 'samples', 'rme %'];
const lines = summaries.map((s) => [
  s.name, s.medianNsPerCall.toFixed(1), s.meanNsPerCall.toFixed(1), s.p99NsPerCall.toFixed(1),
  (s.callsPerSecond / 1e6).toFixed(2), (s.entriesPerSecond / 1e6).toFixed(2), String(s.samples), s.rmePercent.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
const fmt = (cells: readonly string[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log(fmt(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const l of lines) console.log(fmt(l));

const put = summaries.find((s) => s.name === PUT_ROW);
const bare = summaries.find((s) => s.name === BARE_ROW);
let ratio: number | null = null;
if (put !== undefined && bare !== undefined) {
  ratio = put.medianNsPerCall / bare.medianNsPerCall;
  console.log(`\nrealmode H_PUT_TCE: ${put.medianNsPerCall.toFixed(1)} ns/call (${(put.callsPerSecond / 1e6).toFixed(2)} M calls/s); ` +
    `bare locked store: ${bare.medianNsPerCall.toFixed(1)} ns; ratio: ${ratio.toFixed(2)} (goal <= 2${ratio <= 2 ? ', met' : ', NOT met'})`);
}

let allocation: Awaited<ReturnType<typeof allocationCheck>> | undefined;
if (opts['gc-check']) {
  allocation = await allocationCheck(ROWS, GC_CALLS);
  console.log(`\nallocation check: ${GC_CALLS} calls per row in one loop${allocation[0]?.forcedGc ? '' : ' (run with --expose-gc for a clean heapUsed baseline)'}`);
  for (const a of allocation) {
    console.log(`  ${a.name.padEnd(widths[0] ?? 0)}  ${a.nsPerCall.toFixed(1).padStart(6)} ns/call  scavenges ${a.scavenges}  ` +
      `mark-compacts ${a.markCompacts}  heapUsed delta ${(a.heapUsedDeltaBytes / 1024).toFixed(1)} KiB`);
  }
}

if (opts.json !== undefined) {
  const report = {
    schemaVersion: 1,
    bench: 'realmode',
    date: new Date().toISOString(),
    gitSha: gitSha(),
    node: process.version,
    v8: process.versions.v8,
    availableParallelism: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? null,
    loadavg: os.loadavg(),
    callsPerSample: BATCH,
    timeMsPerRow: TIME_MS,
    rows: summaries,
    ratio: ratio === null ? null : { numerator: PUT_ROW, denominator: BARE_ROW, value: ratio, goal: 2 },
    allocation: allocation ?? null,
  };
  writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${opts.json}`);
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} ${text} must be a positive integer`);
  return n;
}

function gitSha(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
