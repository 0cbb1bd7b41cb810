/**
 * The in-thread rows' warm-up (src/benchmarks/micro.ts) leaves nothing for the JIT to do to the
 * rows' code once timing starts: a worker process run with V8's --trace-opt --trace-deopt shows
 * every compilation of the vCPU step and its handlers before the first timed phase, and none,
 * and no deoptimization, after it. Before the warm-up took the event ring round, vcpuStep was
 * first compiled, and the logged H_PUT_TCE handler thrown out and compiled again, inside the
 * timed part, at a moment that varied per process: the vcpuStep rows' ratio to the store was
 * bimodal (docs/regression.md). No timing is asserted: only which code the JIT built when.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MicroWorkerJob } from '../../src/benchmarks/micro-worker.js';
import { BARE_STORE_ROW } from '../../src/benchmarks/realmode-rows.js';
import { defaultCosts } from '../../src/pipeline/costs.js';
import { ROOT } from '../helpers.js';

/** Compiled in every warm-up: the rows' loops and the vCPU step they call (as V8 names the functions). */
const WARMED = ['vcpuStepPut', 'vcpuStepGet', 'vcpuStep'];
/**
 * The code the rows run, which the JIT must leave alone once timing starts: those, the handlers
 * and the ring and table helpers they inline (a name no longer in the code matches nothing).
 */
const ROW_CODE = [
  ...WARMED, 'realmodeFastCall', 'realmodeHPutTceLogged', 'realmodeHGetTceLogged', 'reserveCall', 'tryReserve', 'fillCall', 'publish',
  'fastPutEntry', 'fastEntry', 'fastEntryWord', 'storeEntryWord', 'readLocked', 'unlock', 'bareLockedStore',
];

/** Function names in the trace's compile, mark and deopt lines. */
function jitNames(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (!/^\[(?:compiling method|marking|bailout)/.test(l)) continue;
    const m = /<JSFunction (\S+)/.exec(l);
    if (m !== null) out.push(m[1] as string);
  }
  return out;
}

test('every compilation of the vCPU step rows\' code happens in the warm-up, none during the timing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcesim-warmup-'));
  try {
    const log = join(dir, 'trace.txt');
    const job: MicroWorkerJob = {
      rows: [BARE_STORE_ROW, 'vcpuStep H_PUT_TCE with event records', 'vcpuStep H_GET_TCE with event records'],
      settings: { timeMs: 30, warmupMs: 10, batch: 8000, batchUs: 100, processes: 1, minSamples: 30 },
      costs: defaultCosts(), delay: null, phaseLog: log,
    };
    const worker = join(ROOT, 'dist', 'src', 'benchmarks', 'micro-worker.js');
    const r = spawnSync(process.execPath, [
      '--no-concurrent-recompilation', '--trace-opt', '--trace-deopt', '--redirect-code-traces', `--redirect-code-traces-to=${log}`,
      worker, JSON.stringify(job),
    ], { encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, r.stderr);
    const lines = readFileSync(log, 'utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith('timing '));
    assert.ok(start > 0, 'the phase lines are in the trace file');
    assert.ok(lines.some((l) => l.startsWith('pairs vcpuStep H_GET_TCE')), 'the paired phase ran');
    const before = new Set(jitNames(lines.slice(0, start)));
    for (const name of WARMED) assert.ok(before.has(name), `${name} compiled in the warm-up`);
    const after = jitNames(lines.slice(start)).filter((name) => ROW_CODE.includes(name));
    assert.equal(after, [], 'no compilation or deoptimization of the rows\' code while timing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
