/**
 * The replay's hot path gives exactly the calls of the general one: a line parseHotLine takes
 * has parseTraceBytes' numbers, a call buildHotCall rebuilds is traceCall's, and the call
 * records the pre-scan writes (trace-calls-file.ts) read back as the calls TraceCallStream.next()
 * gives — on every line of the three sample traces and on seeded random damages of real lines.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultMachineConfig } from '../../src/pipeline/machine-config.js';
import { FALLBACK, parseTraceBytes } from '../../src/trace/trace-bytes.js';
import {
  CF_ARG_HI, CF_ARG_LO, CF_FLAGS, CF_IOBA_HI, CF_IOBA_LO, CF_LINE, CF_LIOBN, CF_LIOBN_HI, CF_LIST_HI, CF_LIST_LO, CF_NPAGES, CF_OPCODE, CF_RET,
  CF_STEP_SHIFT, CF_TCE_HI, CF_TCE_LO, CFF_NO_TABLE, CFF_RECONSTRUCTED, CallFileReader, isRtasRecord, mappedOf, rtasOf,
} from '../../src/trace/trace-calls-file.js';
import { HotCall } from '../../src/trace/trace-calls-hot.js';
import { TraceCallStream } from '../../src/trace/trace-calls-stream.js';
import type { TraceCall } from '../../src/trace/trace-calls.js';
import { HOT_GET, HOT_INDIRECT, HOT_PUT, HOT_STUFF, HotLine, parseHotLine } from '../../src/trace/trace-hot-line.js';
import { scanTrace } from '../../src/trace/trace-scan.js';
import { H_GET_TCE } from '../../src/papr/hcalls.js';
import { ROOT } from '../helpers.js';
import { RECORD_WORDS } from '../../src/events/layout.js';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import type { Mode } from '../../src/papr/tiers.js';
import { defaultRunOptions } from '../../src/pipeline/run-options.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { SAMPLE_TRACE, damagedLines, tempDir } from './support.js';

const TRACES = ['qemu-7.2-pseries-ddw-off.log', 'qemu-7.2-ddw-synthetic.log', 'qemu-7.2-liobn64-synthetic.log'].map((n) => join(ROOT, 'test', 'data', 'traces', n));
const RAM = Number(defaultMachineConfig().ramBytes);
const big = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** The hot parse of `line`, checked against parseTraceBytes when taken; whether it was taken. */
function hotAgrees(line: string): boolean {
  const b = Buffer.from(line, 'latin1');
  const h = new HotLine();
  if (!parseHotLine(b, 0, b.length, h)) return false;
  const e = parseTraceBytes(b, 0, b.length);
  assert.ok(e !== FALLBACK && e !== null, `the byte parser takes ${line}`);
  assert.is(e.kind, ['', 'put', 'get', 'stuff', 'indirect'][h.kind], line);
  if (e.kind !== 'put' && e.kind !== 'get' && e.kind !== 'stuff' && e.kind !== 'indirect') return true;
  assert.is(e.ret, 0, line);
  assert.is(e.liobnHi ?? 0, 0, line);
  assert.is(e.liobn, h.liobn, line);
  assert.is(e.ioba, big(h.iobaHi, h.iobaLo), line);
  if (h.kind === HOT_PUT && e.kind === 'put') assert.is(e.tce, big(h.aHi, h.aLo), line);
  if (h.kind === HOT_GET && e.kind === 'get') assert.is(e.tce, big(h.aHi, h.aLo), line);
  if (h.kind === HOT_STUFF && e.kind === 'stuff') {
    assert.is(e.tceValue, big(h.aHi, h.aLo), line);
    assert.is(e.npages, h.npages, line);
  }
  if (h.kind === HOT_INDIRECT && e.kind === 'indirect') {
    assert.equal([e.tceList, e.iobaN, e.tceN], [big(h.aHi, h.aLo), big(h.bHi, h.bLo), big(h.cHi, h.cLo)], line);
  }
  return true;
}

/** A hot call as the TraceCall traceCall would give. */
function asTraceCall(h: HotCall): Omit<TraceCall, 'rtas'> {
  const getTce = h.opcode === H_GET_TCE;
  return {
    opcode: h.opcode, liobn: h.liobn, liobnHi: 0, ioba: big(h.callIobaHi, h.callIobaLo), arg: big(h.argHi, h.argLo), npages: h.callNpages,
    listFirst: h.listStep === 0 ? 0n : big(h.listFirstHi, h.listFirstLo), listStep: BigInt(h.listStep), ret: 0, mappedBytes: h.mappedBytes,
    noTable: false, reconstructed: false, tce: getTce ? big(h.aHi, h.aLo) : 0n,
  };
}

/** A call record read back as the TraceCall it stands for. */
function recordCall(w: Int32Array, o: number): TraceCall {
  if (isRtasRecord(w, o)) {
    return {
      opcode: w[o + CF_OPCODE]!, liobn: 0, liobnHi: 0, ioba: 0n, arg: 0n, npages: 0, listFirst: 0n, listStep: 0n, ret: 0, mappedBytes: 0,
      noTable: false, reconstructed: false, rtas: rtasOf(w, o), tce: 0n,
    };
  }
  const getTce = w[o + CF_OPCODE] === H_GET_TCE;
  const shift = w[o + CF_STEP_SHIFT]!;
  return {
    opcode: w[o + CF_OPCODE]!, liobn: w[o + CF_LIOBN]! >>> 0, liobnHi: w[o + CF_LIOBN_HI]! >>> 0, ioba: big(w[o + CF_IOBA_HI]!, w[o + CF_IOBA_LO]!),
    arg: big(w[o + CF_ARG_HI]!, w[o + CF_ARG_LO]!), npages: w[o + CF_NPAGES]!,
    listFirst: getTce ? 0n : big(w[o + CF_LIST_HI]!, w[o + CF_LIST_LO]!), listStep: getTce || shift < 0 ? 0n : 1n << BigInt(shift),
    ret: w[o + CF_RET]!, mappedBytes: mappedOf(w, o), noTable: (w[o + CF_FLAGS]! & CFF_NO_TABLE) !== 0,
    reconstructed: (w[o + CF_FLAGS]! & CFF_RECONSTRUCTED) !== 0, rtas: null, tce: getTce ? big(w[o + CF_TCE_HI]!, w[o + CF_TCE_LO]!) : 0n,
  };
}

/** Every call of `file` three ways: next(), nextHot(), and the scan's records; all equal. How many were hot. */
function allAgree(file: string): { calls: number; hot: number } {
  const general = new TraceCallStream(file, new Map(), RAM);
  const fast = new TraceCallStream(file, new Map(), RAM);
  const scan = scanTrace(file, undefined, RAM);
  assert.ok(scan.callFile !== null, 'the scan wrote its call records');
  const records = new CallFileReader(scan.callFile);
  const hot = new HotCall();
  let calls = 0;
  let hots = 0;
  for (;;) {
    const c = general.next();
    const h = fast.nextHot(hot);
    const o = records.next();
    if (c === null) {
      assert.is(h, null);
      assert.is(o, -1);
      break;
    }
    calls++;
    assert.ok(h !== null && o >= 0, `call ${calls} everywhere`);
    if (h === hot) {
      hots++;
      const { rtas: _rtas, ...want } = c;
      assert.equal(asTraceCall(hot), want, `hot call ${calls} (line ${fast.reader.line})`);
    } else {
      assert.equal(h, c, `call ${calls}`);
    }
    assert.equal(recordCall(records.words, o), c, `record of call ${calls}`);
    assert.is(records.words[o + CF_LINE], general.reader.line, 'the record names its line');
    assert.is(fast.reader.line, general.reader.line);
  }
  assert.equal(fast.counts, general.counts);
  assert.is(fast.calls, general.calls);
  records.close();
  return { calls, hot: hots };
}

test('the three sample traces: hot calls are traceCall\'s, the call records read back as the calls', () => {
  const sample = allAgree(TRACES[0] as string);
  assert.is(sample.calls, 10_530);
  assert.is(sample.hot, 10_530, 'every call of the real trace takes the hot path');
  for (const f of TRACES.slice(1)) {
    const r = allAgree(f);
    assert.ok(r.calls > 0 && r.hot < r.calls, `${f}: some calls take the general path (${r.hot} of ${r.calls} hot)`);
  }
});

test('every line of the sample trace and seeded random damages of them: a hot line has the byte parser\'s numbers', () => {
  const lines = readFileSync(SAMPLE_TRACE, 'latin1').split('\n').filter((l) => l !== '');
  let taken = 0;
  for (const line of lines) if (hotAgrees(line)) taken++;
  assert.is(taken, 10_530);
  const damaged = damagedLines(lines.slice(0, 2000));
  fc.assert(fc.property(damaged, (line) => {
    hotAgrees(line);
  }), { seed: 0x40_7ace, numRuns: 3000 });
});

test('damaged traces that still replay: the hot path, the general one and the records give the same calls', () => {
  const dir = tempDir();
  const lines = readFileSync(SAMPLE_TRACE, 'latin1').split('\n').filter((l) => l !== '');
  // Edits that keep a line replayable or make it a failed call: other digits, failed answers, timestamps.
  const edits: ((l: string) => string)[] = [
    (l) => l.replace(/ret=0$/, 'ret=-4').replace(/ret=0 /, 'ret=-4 '),
    (l) => `4711@1700000000.123456:${l}`,
    (l) => l.replace(/ioba=0x/, 'ioba=0x000'),
    (l) => l.replace(/tce=0x([0-9a-f]+)/, 'tce=0x1$1'),
  ];
  let n = 0;
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(lines.length - 1), fc.nat(edits.length - 1)), { minLength: 1, maxLength: 20 }), (picks) => {
    const out = lines.slice(0, 400);
    for (const [i, k] of picks) if (i < out.length) out[i] = edits[k]!(out[i]!);
    // A new name each time: the scan is remembered per file, size and time.
    const file = join(dir, `damaged-${n++}.log`);
    writeFileSync(file, `${out.join('\n')}\n`);
    let ok = true;
    try {
      scanTrace(file, undefined, RAM);
    } catch {
      ok = false; // a line no call could print: the scan names it (trace-calls.test.ts)
    }
    if (ok) allAgree(file);
    unlinkSync(file);
  }), { seed: 0x5ca1e, numRuns: 40 });
});

/** A threaded replay of `file` in `mode` with its answers checked: what a user sees of it. */
async function replay(file: string, mode: Mode): Promise<unknown> {
  const check = { checked: 0, differing: 0, first: null as string | null };
  const calls = scanTrace(file, undefined, RAM).calls;
  const r = await runThreaded({
    ...defaultRunOptions(), mode, vcpus: 1, workload: 'trace', workloadParams: { file }, calls, ringRecords: 2 ** 16, keepRecords: true, traceCheck: check,
  });
  const records = r.records as Int32Array;
  const rebuilt = replayRecords(records, records.length / RECORD_WORDS);
  return {
    check, vcpus: r.vcpus, tierCalls: r.stats.tierCalls, tierNs: r.stats.tierNs, writes: r.stats.writesByTier, changes: r.stats.changesByTier,
    escalations: [...r.stats.escalations], verified: replayVerified(rebuilt), tables: rebuilt.tables,
  };
}

test('a threaded replay reads the scan\'s call records, or the text when they are gone: the same answers, figures and tables', async () => {
  for (const [file, mode] of [[TRACES[0], 'realmode'], [TRACES[1], 'virtmode']] as const) {
    const scan = scanTrace(file as string, undefined, RAM);
    const withRecords = await replay(file as string, mode);
    unlinkSync(scan.callFile as string);
    const fromText = await replay(file as string, mode);
    assert.equal(fromText, withRecords, `${file} in ${mode}`);
    const r = withRecords as { check: { checked: number }; verified: boolean };
    assert.is(r.check.checked, scan.calls - scan.rtasCalls);
    assert.ok(r.verified);
  }
});

test.run();
