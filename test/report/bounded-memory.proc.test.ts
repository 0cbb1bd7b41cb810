/**
 * A report's memory is bounded whatever the number of calls (HDR histograms, not every
 * latency kept), its percentiles are within the stated precision, and a log is read a block
 * at a time: reading a log holds one block, never the whole file.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCheckedLog } from '../../src/events/log-check.js';
import { KIND_CALL, RECORD_WORDS, R_F64_CALL_COST, R_HEAD, R_P0, recordHead } from '../../src/events/layout.js';
import { H_PUT_TCE } from '../../src/papr/hcalls.js';
import { CallStats, LATENCY_SIGNIFICANT_DIGITS, summarize } from '../../src/report/call-stats.js';
import { tcesim } from '../cli/support.js';

/** A block of `n` one-record real-mode H_PUT_TCE calls with costs from `cost(i)`. */
function callRecords(n: number, cost: (i: number) => number): Int32Array {
  const words = new Int32Array(n * RECORD_WORDS);
  const f64 = new Float64Array(words.buffer);
  for (let i = 0; i < n; i++) {
    words[i * RECORD_WORDS + R_HEAD] = recordHead(KIND_CALL, 0, 0, 0);
    words[i * RECORD_WORDS + R_P0] = H_PUT_TCE;
    f64[(i * RECORD_WORDS) / 2 + R_F64_CALL_COST] = cost(i);
  }
  return words;
}

test('the report\'s latency memory does not grow with the number of calls', () => {
  const stats = new CallStats();
  const block = callRecords(100_000, (i) => 200 + ((i * 7919) % 5000));
  const footprint = (): number => [...stats.groups.values()].reduce((n, g) => n + g.modelledNs.footprint + g.wallUs.footprint, 0);
  stats.records(block, 100_000);
  const after100k = footprint();
  for (let k = 0; k < 30; k++) stats.records(block, 100_000);
  assert.is(stats.completed, 3_100_000);
  assert.is(footprint(), after100k, '3.1 million calls take what 100,000 took');
  assert.ok(after100k < 1_000_000, `${after100k} bytes`);
});

test('percentiles are within the stated precision of the exact ones; the maximum is exact', () => {
  const n = 200_001;
  const cost = (i: number): number => 100 + ((i * 104729) % 1_000_000) / 7; // spread over 100 .. ~143,000 ns
  const stats = new CallStats();
  stats.records(callRecords(n, cost), n);
  const exact = Float64Array.from({ length: n }, (_, i) => cost(i)).sort();
  const at = (q: number): number => exact[Math.ceil(q * n) - 1] as number;
  const s = summarize([...stats.groups.values()][0]!.modelledNs)!;
  const bound = 10 ** -LATENCY_SIGNIFICANT_DIGITS;
  assert.ok(Math.abs(s.p50 - at(0.5)) / at(0.5) <= bound, `p50 ${s.p50} vs ${at(0.5)}`);
  assert.ok(Math.abs(s.p99 - at(0.99)) / at(0.99) <= bound, `p99 ${s.p99} vs ${at(0.99)}`);
  assert.is(s.max, exact[n - 1]);
  assert.is(s.samples, n);
});

test('reading a log holds one block of it, not the whole file (a log larger than memory will do)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcesim-memory-'));
  try {
    const log = join(dir, 'run.tcelog');
    const r = tcesim(['run', '--vcpus', '2', '--calls', '250000', '--log', log]);
    assert.is(r.code, 0, r.stderr);
    const size = statSync(log).size;
    assert.ok(size > 30_000_000, `${size} bytes`);
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const checked = readCheckedLog(log, { progress: () => { peak = Math.max(peak, process.memoryUsage().arrayBuffers - base); } });
    assert.is(checked.callsCompleted, 500_000);
    assert.ok(peak < size / 8, `reading a ${size}-byte log held ${peak} bytes of buffers`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
