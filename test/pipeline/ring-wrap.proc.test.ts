/**
 * A run whose event ring positions pass 2^31 (where an Int32 position reads negative) and 2^32
 * (where it wraps to 0): every writer (a vCPU's that may not wait, a pool thread's that waits,
 * the main thread's that drains itself) keeps reserving and publishing, and the run gives the
 * same modelled figures, answers, log records and tables as one whose positions start at 0.
 * When a reservation answered its position, or -1 for "no room", every one from position 2^31
 * on (negative as an Int32) read as "no room": real mode gave up with log-full, and the records
 * reserved were never published, so the drain stopped there and the run hung. Each run is
 * therefore a child process of this file, killed if it does not end.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KIND_PAD, RECORD_WORDS, R_HEAD, headKind } from '../../src/events/layout.js';
import { replayRecords } from '../../src/events/replay.js';
import { MODES, type Mode } from '../../src/papr/tiers.js';
import { checkRunOptions } from '../../src/pipeline/run-options.js';
import type { RunResult } from '../../src/pipeline/run-result.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { runFigures } from '../../src/report/report.js';
import { options } from './support.js';

/** Records a run makes before its positions cross: well inside the runs below (several thousand each). */
const BEFORE = 1500;
const RUN_LIMIT_MS = 60_000;
const CHILD = 'TCESIM_RING_WRAP_RUN';

/** What a run is compared by: padding aside (how many reserved slots went unused depends on timing). */
interface RunSummary {
  readonly figures: ReturnType<typeof runFigures>;
  readonly vcpus: RunResult['vcpus'];
  readonly recordCount: number;
  readonly kinds: Record<number, number>;
  readonly tables: unknown;
}

async function childRun(mode: Mode, ringFirst: number): Promise<RunSummary> {
  const r = await runThreaded(options({ mode, workload: 'mixed', vcpus: 2, calls: 600, seed: 11, ringRecords: 1024, ringFirst }));
  const kinds: Record<number, number> = {};
  for (let i = 0; i < r.recordCount; i++) {
    const k = headKind(r.records![i * RECORD_WORDS + R_HEAD] as number);
    if (k !== KIND_PAD) kinds[k] = (kinds[k] ?? 0) + 1;
  }
  const tables = [...replayRecords(r.records!, r.recordCount).recorded!].map(([k, m]) => [k, [...m].sort((a, b) => a[0] - b[0])]).sort();
  return { figures: runFigures(r.stats), vcpus: r.vcpus, recordCount: r.recordCount, kinds, tables };
}

function run(mode: Mode, ringFirst: number): RunSummary {
  const what = `${mode}, first position ${ringFirst}`;
  const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD]: JSON.stringify({ mode, ringFirst }) }, encoding: 'utf8', timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL',
  });
  assert.is(c.signal, null, `${what}: killed after ${RUN_LIMIT_MS / 1000} s without an end (the log stopped draining?)`);
  assert.is(c.status, 0, `${what}: ${c.stderr}`);
  return JSON.parse(c.stdout) as RunSummary;
}

function same(got: RunSummary, base: RunSummary, what: string): void {
  assert.is(got.figures.modelledMs, base.figures.modelledMs, `${what}: modelled time`);
  assert.equal(got.figures.escalations, base.figures.escalations, `${what}: escalations`);
  assert.equal(got.figures.answeredBy, base.figures.answeredBy, `${what}: tiers`);
  assert.equal(got.vcpus, base.vcpus, `${what}: vCPU totals`);
  assert.equal(got.kinds, base.kinds, `${what}: log records of each kind`);
  assert.equal(got.tables, base.tables, `${what}: final tables`);
}

const child = process.env[CHILD];
if (child !== undefined) {
  const { mode, ringFirst } = JSON.parse(child) as { mode: Mode; ringFirst: number };
  // Table entries are bigints: written as decimal strings, compared as such.
  process.stdout.write(JSON.stringify(await childRun(mode, ringFirst), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
} else {
  test('threaded runs whose ring positions cross 2^31 and 2^32: the same figures, records and tables as from 0, in every mode', () => {
    for (const mode of MODES) {
      const base = run(mode, 0);
      assert.ok(base.recordCount > BEFORE + 1024, `${mode}: the run makes enough records to cross, and to go round the ring after (${base.recordCount})`);
      assert.is(base.figures.escalations['log-full'], undefined, `${mode}: no call gave up for a full log`);
      same(run(mode, 2 ** 31 - BEFORE), base, `${mode}, across 2^31`);
      same(run(mode, -BEFORE), base, `${mode}, across 2^32`);
    }
  });

  test('the ring\'s first position is checked: an Int32, and 0 with a log file', () => {
    const o = options({});
    assert.throws(() => checkRunOptions({ ...o, ringFirst: 2 ** 31 }), /ring first position 2147483648 must be an integer from -2147483648 to 2147483647/);
    assert.throws(() => checkRunOptions({ ...o, ringFirst: 0.5 }), /ring first position 0.5/);
    assert.throws(() => checkRunOptions({ ...o, ringFirst: 7, log: '/tmp/x.tcelog' }), /ring first position 7 must be 0 with a log file/);
    checkRunOptions({ ...o, ringFirst: -7 });
    checkRunOptions({ ...o, ringFirst: 0, log: '/tmp/x.tcelog' });
  });

  test.run();
}
