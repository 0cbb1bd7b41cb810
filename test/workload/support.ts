/**
 * Running a workload inline in each mode and reading back what the guest saw: every call's
 * return code, the calls it made (from the log), the count of each hcall (from the run's
 * stats) and the final tables (the entries the run recorded when it ended). Table-write records
 * are skipped when decoding: big batches write hundreds of them per call and no test here
 * needs them one by one.
 */
import * as assert from 'uvu/assert';
import { EventDecoder } from '../../src/events/decode.js';
import type { HcallEntered, TcesimEvent } from '../../src/events/events.js';
import { KIND_WRITE, R_HEAD, RECORD_WORDS, headKind } from '../../src/events/layout.js';
import { hcallName } from '../../src/papr/hcalls.js';
import type { Mode } from '../../src/papr/tiers.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions, type RunOptions } from '../../src/pipeline/run-options.js';
import type { RunResult } from '../../src/pipeline/run-result.js';
import { runFigures, type RunFigures } from '../../src/report/report.js';
import type { WorkloadParams } from '../../src/workload/workload.js';

export const MODES: readonly Mode[] = ['realmode', 'virtmode', 'userspace'];

/** A table's non-zero entries at the end of a run, by index. */
export type FinalTable = Map<number, bigint>;

export interface WorkloadRun {
  readonly result: RunResult;
  readonly figures: RunFigures;
  /** Calls completed, by return code name. */
  readonly rets: Record<string, number>;
  /** Calls made, by hcall name, from the run's stats. */
  readonly hcalls: Record<string, number>;
  /** Every call as it entered, in log order. */
  readonly entered: HcallEntered[];
  /** Final tables by LIOBN. */
  readonly tables: Map<number, FinalTable>;
}

export interface RunSetup {
  readonly calls: number;
  readonly vcpus?: number;
  readonly seed?: number;
  readonly mode?: Mode;
}

export function runWorkload(workload: string, params: WorkloadParams, setup: RunSetup): WorkloadRun {
  const options: RunOptions = {
    ...defaultRunOptions(), workload, workloadParams: params, calls: setup.calls, vcpus: setup.vcpus ?? 2,
    seed: setup.seed ?? 1, mode: setup.mode ?? 'realmode', keepRecords: true,
    // Room for 512-entry batches between drains, so that real mode never finds the log full.
    ringRecords: 2 ** 19,
  };
  const result = runInline(options);
  const words = result.records;
  if (words === null) throw new Error('the run kept no records');
  const d = new EventDecoder();
  const events: TcesimEvent[] = [];
  for (let i = 0; i < result.recordCount; i++) {
    if (headKind(words[i * RECORD_WORDS + R_HEAD] as number) !== KIND_WRITE) d.decode(words, i * RECORD_WORDS, events);
  }
  const rets: Record<string, number> = {};
  const entered: HcallEntered[] = [];
  const tables = new Map<number, FinalTable>();
  for (const e of events) {
    if (e.type === 'hcall-completed') rets[e.retName] = (rets[e.retName] ?? 0) + 1;
    else if (e.type === 'hcall-entered') entered.push(e);
    else if (e.type === 'table-created' && e.table.kind === 'guest') tables.set(e.table.id, new Map());
    else if (e.type === 'final-entry' && e.table.kind === 'guest' && e.value !== 0n) tables.get(e.table.id)?.set(e.index, e.value);
  }
  const hcalls: Record<string, number> = {};
  for (const g of result.stats.groups.values()) hcalls[hcallName(g.opcode)] = (hcalls[hcallName(g.opcode)] ?? 0) + g.count;
  return { result, figures: runFigures(result.stats), rets, hcalls, entered, tables };
}

/** Sorted, comparable form of the final tables. */
export function tablesOf(r: WorkloadRun): [number, [number, bigint][]][] {
  return [...r.tables].sort((a, b) => a[0] - b[0]).map(([liobn, t]) => [liobn, [...t].sort((a, b) => a[0] - b[0])]);
}

/**
 * Run in every mode and check what must hold for well-formed traffic: every call answered
 * H_SUCCESS, the same calls made, and the same final tables in every mode. Returns the runs.
 */
export function runInEveryMode(workload: string, params: WorkloadParams, setup: RunSetup): WorkloadRun[] {
  const runs = MODES.map((mode) => runWorkload(workload, params, { ...setup, mode }));
  const calls = setup.calls * (setup.vcpus ?? 2);
  runs.forEach((r, i) => {
    assert.equal(r.rets, { H_SUCCESS: calls }, `${MODES[i]}: every call H_SUCCESS`);
    assert.is(r.entered.length, calls, `${MODES[i]}: every call logged`);
  });
  for (const i of [1, 2]) {
    assert.equal(runs[i]!.hcalls, runs[0]!.hcalls, `${MODES[i]} makes realmode's calls`);
    assert.equal(tablesOf(runs[i]!), tablesOf(runs[0]!), `${MODES[i]} ends with realmode's tables`);
  }
  return runs;
}

/** The calls of one vCPU, in order. */
export function callsOf(r: WorkloadRun, vcpu: number): HcallEntered[] {
  return r.entered.filter((e) => e.vcpu === vcpu).sort((a, b) => a.seq - b.seq);
}

/** Assert that `fn` throws a RangeError whose message names every string of `names`. */
export function throwsNaming(fn: () => unknown, ...names: string[]): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, RangeError);
    for (const n of names) assert.ok((e as Error).message.includes(n), `message ${JSON.stringify((e as Error).message)} names ${n}`);
    return;
  }
  assert.unreachable(`no RangeError naming ${names.join(', ')}`);
}
