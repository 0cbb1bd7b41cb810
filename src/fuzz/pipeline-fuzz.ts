/**
 * `npm run fuzz`: drives random calls, malformed ones included (the `fuzz` workload), through
 * the threaded pipeline in every mode, and checks the invariants on what each run left:
 * - one answer per call: the log reader's checks (each vCPU's calls enter in order, one at a
 *   time, and complete once; every call of the run completes);
 * - the log replays: the tables rebuilt from its writes are, bit for bit, the final tables the
 *   run recorded, with an unbroken write chain;
 * - mode equivalence: every call gets the same return code in every mode, and every mode ends
 *   with the same tables (malformed calls are refused before any write, so this holds for all);
 * - a malformed call never succeeds.
 * Prints its figures and exits 1 on any violation (2 on misuse).
 *
 *   npm run fuzz -- [--calls N (per mode, over all vCPUs; 1000000)] [--vcpus V (2)] [--seed S (1)]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckedLog } from '../events/log-check.js';
import { replayVerified, type TableKey } from '../events/replay.js';
import { H_SUCCESS, returnCodeName } from '../papr/return-codes.js';
import { MODES, type Mode } from '../papr/tiers.js';
import { defaultRunOptions, MAX_VCPUS } from '../pipeline/run-options.js';
import { parseCommandArgs } from '../cli/args.js';
import { UsageError } from '../cli/usage-error.js';
import { runThreaded } from '../pipeline/threaded-run.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';
import { FuzzWorkload, MALFORMED_KINDS } from '../workload/fuzz.js';

const USAGE = 'usage: npm run fuzz -- [--calls N] [--vcpus V] [--seed S]';

/** The options, checked as tcesim's are: misuse is one line and exit 2, never a stack trace. */
function fuzzOptions(): { vcpus: number; total: number; seed: number } {
  try {
    const { values, positionals } = parseCommandArgs('fuzz', process.argv.slice(2), { calls: { type: 'string' }, vcpus: { type: 'string' }, seed: { type: 'string' } }, USAGE);
    if (positionals.length > 0) throw new UsageError(`fuzz takes no positional arguments, got ${positionals.join(' ')} (${USAGE})`);
    const int = (name: string, v: string | undefined, fallback: number, min: number, max: number): number => {
      if (v === undefined) return fallback;
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} ${JSON.stringify(v)} must be an integer from ${min} to ${max}`);
      return n;
    };
    const vcpus = int('vcpus', values.vcpus, 2, 1, MAX_VCPUS);
    // A vCPU makes at most 2^31 - 1 calls (run-options.ts).
    return { vcpus, total: int('calls', values.calls, 1_000_000, vcpus, vcpus * (2 ** 31 - 1)), seed: int('seed', values.seed, 1, 0, 2 ** 32 - 1) };
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message.startsWith('fuzz') ? e.message : `fuzz: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}
const { vcpus, total, seed } = fuzzOptions();
const perVcpu = Math.floor(total / vcpus);
const n = (x: number): string => x.toLocaleString('en-US');

/** Which calls are malformed (and how), regenerated from the workload's own seeded stream. */
function malformedKinds(): Int8Array[] {
  // The malformed choices come from the workload's own stream; the well-formed calls only need RAM's size.
  const ram = { slotBytes: 1 << 30, writeBeHalves: () => undefined } as unknown as GuestRam;
  const frame = new Int32Array(64);
  return Array.from({ length: vcpus }, (_, vcpu) => {
    const w = new FuzzWorkload({ seed, params: {}, vcpu, vcpus, calls: perVcpu, ram });
    const kinds = new Int8Array(perVcpu);
    for (let s = 0; s < perVcpu; s++) {
      w.next(frame);
      kinds[s] = w.lastMalformed;
    }
    return kinds;
  });
}

interface ModeRun {
  readonly mode: Mode;
  readonly rets: Int32Array[];
  readonly tables: string;
  readonly wallMs: number;
  readonly records: number;
}

const violations: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tcesim-fuzz-'));
try {
  console.log(`fuzz: ${n(perVcpu * vcpus)} calls per mode (${vcpus} vCPUs x ${n(perVcpu)}), seed ${seed}, threaded pipeline, modes ${MODES.join(', ')}`);
  const kinds = malformedKinds();
  const byKind = MALFORMED_KINDS.map((_, k) => kinds.reduce((c, a) => c + a.filter((x) => x === k).length, 0));
  const malformed = byKind.reduce((a, b) => a + b, 0);
  console.log(`malformed: ${n(malformed)} (${MALFORMED_KINDS.map((k, i) => `${k} ${n(byKind[i] as number)}`).join(', ')})`);
  const runs: ModeRun[] = [];
  for (const mode of MODES) {
    const log = join(dir, `${mode}.tcelog`);
    const started = performance.now();
    await runThreaded({ ...defaultRunOptions(), mode, workload: 'fuzz', workloadParams: {}, vcpus, calls: perVcpu, seed, log, keepRecords: false });
    const wallMs = performance.now() - started;
    const rets = Array.from({ length: vcpus }, () => new Int32Array(perVcpu).fill(0x7fffffff));
    let checked;
    try {
      checked = readCheckedLog(log, {
        onEvents: (events) => {
          for (const e of events) if (e.type === 'hcall-completed') (rets[e.vcpu] as Int32Array)[e.seq] = e.ret;
        },
      });
    } catch (e) {
      violations.push(`${mode}: the log fails its checks: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (checked.unfinished !== null) violations.push(`${mode}: ${checked.unfinished}`);
    if (checked.callsCompleted !== perVcpu * vcpus) violations.push(`${mode}: ${n(checked.callsCompleted)} answers for ${n(perVcpu * vcpus)} calls`);
    if (!replayVerified(checked.replay)) {
      violations.push(`${mode}: the log does not replay (${checked.replay.chainBreaks.length} chain breaks, ${checked.replay.mismatches.length} final entries differ)`);
    }
    const tables = JSON.stringify([...(checked.replay.recorded ?? new Map<TableKey, ReadonlyMap<number, bigint>>())].map(([k, t]) => [k, [...t].sort((a, b) => a[0] - b[0]).map(([i, v]) => [i, v.toString(16)])]).sort());
    const codes = new Map<number, number>();
    for (const [v, r] of rets.entries()) {
      for (let s = 0; s < perVcpu; s++) {
        const ret = r[s] as number;
        codes.set(ret, (codes.get(ret) ?? 0) + 1);
        if ((kinds[v] as Int8Array)[s]! >= 0 && ret === H_SUCCESS && violations.length < 50) {
          violations.push(`${mode}: malformed call vCPU ${v} #${s} (${MALFORMED_KINDS[(kinds[v] as Int8Array)[s]!]}) succeeded`);
        }
      }
    }
    console.log(`${mode.padEnd(9)}: ${n(perVcpu * vcpus)} calls in ${(wallMs / 1000).toFixed(1)} s (${n(Math.round((perVcpu * vcpus) / (wallMs / 1000)))} calls/s wall), `
      + `${n(checked.records)} log records, one answer per call, replay ${replayVerified(checked.replay) ? 'verified' : 'FAILED'}; `
      + [...codes].sort((a, b) => b[1] - a[1]).map(([c, k]) => `${returnCodeName(c)} ${n(k)}`).join(', '));
    runs.push({ mode, rets, tables, wallMs, records: checked.records });
    rmSync(log, { force: true });
  }
  const [first, ...rest] = runs;
  if (first !== undefined) {
    for (const other of rest) {
      let differ = 0;
      let differWellFormed = 0;
      for (let v = 0; v < vcpus; v++) {
        for (let s = 0; s < perVcpu; s++) {
          if ((first.rets[v] as Int32Array)[s] !== (other.rets[v] as Int32Array)[s]) {
            differ++;
            if ((kinds[v] as Int8Array)[s]! < 0) differWellFormed++;
            if (violations.length < 50) {
              violations.push(`vCPU ${v} #${s}: ${first.mode} ${returnCodeName((first.rets[v] as Int32Array)[s]!)}, ${other.mode} ${returnCodeName((other.rets[v] as Int32Array)[s]!)}`);
            }
          }
        }
      }
      const sameTables = first.tables === other.tables;
      if (!sameTables) violations.push(`${first.mode} and ${other.mode} end with different tables`);
      console.log(`${first.mode} vs ${other.mode}: ${differ === 0 ? 'every call the same return code' : `${n(differ)} calls differ (${n(differWellFormed)} well-formed)`}, `
        + (sameTables ? 'the same final tables' : 'DIFFERENT final tables'));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (violations.length > 0) {
  console.log(`FAILED: ${violations.length} violation(s)`);
  for (const v of violations.slice(0, 20)) console.log(`  ${v}`);
  process.exitCode = 1;
} else {
  console.log('fuzz: every invariant held');
}
