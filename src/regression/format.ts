/**
 * The bench file: what `tcesim bench --json FILE` writes and `tcesim compare` reads. Versioned
 * (`format` and `version`), named fields only, raw samples beside their summaries, so a later
 * tool can recompute any statistic. Described in docs/regression.md.
 */
import type { SampleSummary } from './statistics.js';

export const BENCH_FORMAT = 'tcesim-bench';
export const BENCH_VERSION = 1;

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface MachineInfo {
  /** os.cpus()[0].model, or "unknown". */
  readonly cpu: string;
  /** os.availableParallelism(). */
  readonly cores: number;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly arch: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  readonly loadavg: readonly number[];
}

export interface GitInfo {
  /** The commit checked out, or "unknown" outside a git checkout. */
  readonly revision: string;
  /** Whether the work tree differs from that commit (untracked files included); null when unknown. */
  readonly dirty: boolean | null;
}

export interface BenchmarkRecord {
  /** Unique in a file; how a comparison pairs benchmarks. */
  readonly name: string;
  /** The suite part it belongs to: realmode, pipeline, bare, gain. */
  readonly group: string;
  /** Unit of every sample, e.g. "ns/call", "calls/s", "us", "x". */
  readonly unit: string;
  readonly higherIsBetter: boolean;
  /**
   * The smallest relative change (percent) worth a verdict for this benchmark on a shared
   * machine: 0 for in-thread timings, larger for figures that cross threads. A comparison uses
   * the larger of this and its own threshold.
   */
  readonly minThresholdPercent: number;
  /**
   * For figures of pipeline runs: the calls per vCPU of the runs behind them ("591280", or
   * "591280/10000" for a gain of two runs). Modelled figures are exact only between runs of
   * the same size (fixed costs such as the first page allocation are spread over the calls).
   */
  readonly runSize?: string;
  /**
   * The figure is deterministic for its settings (a modelled figure of a run whose paths do not
   * depend on timing): compared exactly, even from one sample a side. Without it, a figure is
   * compared exactly only when each side has at least two samples and neither has any spread;
   * one sample of a timing is not an exact figure.
   */
  readonly exact?: boolean;
  readonly samples: readonly number[];
  readonly summary: SampleSummary;
}

/**
 * A benchmark the run asked for and got no figure for: a wall-clock speed row whose every try
 * noise left without a sample. Written beside the benchmarks, so a comparison can tell "no
 * longer measured" (a regression) from "measured, and noise left no figure" (said, with why).
 */
export interface NoFigureRecord {
  readonly name: string;
  readonly group: string;
  readonly unit: string;
  /** Samples the run aimed at for it (its repeats): what a comparison could have judged. */
  readonly planned: number;
  /** Why there is no figure, one line. */
  readonly why: string;
}

/** One fixed-seed inline run's counts: who answered, why tiers gave up. */
export interface ProfileRun {
  readonly workload: string;
  readonly mode: string;
  /** Calls answered, over all vCPUs. */
  readonly calls: number;
  /** Calls answered per tier (realmode, virtmode, userspace). */
  readonly answeredBy: Readonly<Record<string, number>>;
  /** Escalations per reason. */
  readonly escalations: Readonly<Record<string, number>>;
  /** Calls per hcall and answering tier, keyed "H_PUT_TCE@realmode". */
  readonly byHcall: Readonly<Record<string, number>>;
}

export interface EscalationProfile {
  readonly vcpus: number;
  readonly callsPerVcpu: number;
  readonly seed: number;
  readonly ringRecords: number;
  readonly runs: readonly ProfileRun[];
  /** Workloads left out, and why (e.g. not built yet). */
  readonly skipped: readonly { readonly workload: string; readonly reason: string }[];
}

export interface BenchFile {
  readonly format: typeof BENCH_FORMAT;
  readonly version: typeof BENCH_VERSION;
  /** ISO 8601, when the run started. */
  readonly date: string;
  readonly machine: MachineInfo;
  /** process.version */
  readonly node: string;
  readonly git: GitInfo;
  /** The suite's settings for this run. */
  readonly options: { readonly [key: string]: JsonValue };
  readonly benchmarks: readonly BenchmarkRecord[];
  /** Benchmarks asked for that got no figure (absent from files written before it: none). */
  readonly noFigure?: readonly NoFigureRecord[];
  readonly profile: EscalationProfile;
  /** Things the run left out or could not do, one line each. */
  readonly notes: readonly string[];
}

/** A file that is not a bench file this version reads; the message names the file and the field. */
export class BenchFileError extends Error {
  readonly code = 'EBENCHFILE';
  constructor(message: string) {
    super(message);
    this.name = 'BenchFileError';
  }
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads and checks a bench file's text; `source` names it in errors. */
export function parseBenchFile(text: string, source: string): BenchFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BenchFileError(`${source}: not a tcesim bench file (not valid JSON: ${e instanceof Error ? e.message : String(e)})`);
  }
  const fail = (field: string, what: string): never => {
    throw new BenchFileError(`${source}: ${field}: ${what}`);
  };
  if (!isObj(raw) || raw['format'] !== BENCH_FORMAT) {
    throw new BenchFileError(`${source}: not a tcesim bench file (no "format": "${BENCH_FORMAT}"; write one with tcesim bench --json)`);
  }
  if (raw['version'] !== BENCH_VERSION) {
    fail('version', `${JSON.stringify(raw['version'])} is not a version this tcesim reads (${BENCH_VERSION})`);
  }
  const str = (o: Obj, key: string, at: string): string => {
    const v = o[key];
    return typeof v === 'string' ? v : fail(`${at}${key}`, 'must be a string');
  };
  const num = (o: Obj, key: string, at: string): number => {
    const v = o[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : fail(`${at}${key}`, 'must be a finite number');
  };
  const obj = (o: Obj, key: string, at: string): Obj => {
    const v = o[key];
    return isObj(v) ? v : fail(`${at}${key}`, 'must be an object');
  };
  const counts = (o: Obj, key: string, at: string): Record<string, number> => {
    const m = obj(o, key, at);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`${at}${key}.${k}`, 'must be a count (a non-negative integer)');
      out[k] = v as number;
    }
    return out;
  };

  const machineRaw = obj(raw, 'machine', '');
  const loadavg = machineRaw['loadavg'];
  const machine: MachineInfo = {
    cpu: str(machineRaw, 'cpu', 'machine.'), cores: num(machineRaw, 'cores', 'machine.'),
    memoryBytes: num(machineRaw, 'memoryBytes', 'machine.'), platform: str(machineRaw, 'platform', 'machine.'),
    arch: str(machineRaw, 'arch', 'machine.'),
    loadavg: Array.isArray(loadavg) && loadavg.every((x) => typeof x === 'number') ? loadavg : fail('machine.loadavg', 'must be an array of numbers'),
  };
  const gitRaw = obj(raw, 'git', '');
  const dirty = gitRaw['dirty'];
  if (dirty !== null && typeof dirty !== 'boolean') fail('git.dirty', 'must be true, false or null');
  const git: GitInfo = { revision: str(gitRaw, 'revision', 'git.'), dirty: dirty as boolean | null };

  const benchRaw = raw['benchmarks'];
  if (!Array.isArray(benchRaw)) fail('benchmarks', 'must be an array');
  const names = new Set<string>();
  const benchmarks = (benchRaw as unknown[]).map((b, i): BenchmarkRecord => {
    const at = `benchmarks[${i}].`;
    if (!isObj(b)) return fail(`benchmarks[${i}]`, 'must be an object');
    const name = str(b, 'name', at);
    if (names.has(name)) fail(`${at}name`, `${JSON.stringify(name)} appears twice`);
    names.add(name);
    const samples = b['samples'];
    // Every figure a bench writes is a time, a rate or a ratio of two of them: above zero. A
    // negative or zero sample is a damaged file (or the old difference of two noisy times).
    if (!Array.isArray(samples) || samples.length === 0 || !samples.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      fail(`${at}samples`, 'must be a non-empty array of finite numbers above zero');
    }
    const higher = b['higherIsBetter'];
    if (typeof higher !== 'boolean') fail(`${at}higherIsBetter`, 'must be true or false');
    const minThreshold = b['minThresholdPercent'] ?? 0;
    if (typeof minThreshold !== 'number' || !(minThreshold >= 0)) fail(`${at}minThresholdPercent`, 'must be a non-negative number');
    const runSize = b['runSize'];
    if (runSize !== undefined && typeof runSize !== 'string') fail(`${at}runSize`, 'must be a string');
    const exact = b['exact'];
    if (exact !== undefined && typeof exact !== 'boolean') fail(`${at}exact`, 'must be true or false');
    const s = obj(b, 'summary', at);
    const sat = `${at}summary.`;
    return {
      name, group: str(b, 'group', at), unit: str(b, 'unit', at), higherIsBetter: higher as boolean,
      minThresholdPercent: minThreshold as number, ...(runSize === undefined ? {} : { runSize: runSize as string }),
      ...(exact === true ? { exact: true } : {}), samples: samples as number[],
      summary: {
        median: num(s, 'median', sat), mean: num(s, 'mean', sat), p99: num(s, 'p99', sat),
        min: num(s, 'min', sat), max: num(s, 'max', sat), n: num(s, 'n', sat),
      },
    };
  });

  const noFigureRaw = raw['noFigure'] ?? [];
  if (!Array.isArray(noFigureRaw)) fail('noFigure', 'must be an array');
  const noFigure = (noFigureRaw as unknown[]).map((b, i): NoFigureRecord => {
    const at = `noFigure[${i}].`;
    if (!isObj(b)) return fail(`noFigure[${i}]`, 'must be an object');
    const name = str(b, 'name', at);
    if (names.has(name)) fail(`${at}name`, `${JSON.stringify(name)} appears twice`);
    names.add(name);
    const planned = num(b, 'planned', at);
    if (!Number.isInteger(planned) || planned < 1) fail(`${at}planned`, 'must be a positive integer');
    return { name, group: str(b, 'group', at), unit: str(b, 'unit', at), planned, why: str(b, 'why', at) };
  });

  const p = obj(raw, 'profile', '');
  const runsRaw = p['runs'];
  if (!Array.isArray(runsRaw)) fail('profile.runs', 'must be an array');
  const runs = (runsRaw as unknown[]).map((r, i): ProfileRun => {
    const at = `profile.runs[${i}].`;
    if (!isObj(r)) return fail(`profile.runs[${i}]`, 'must be an object');
    return {
      workload: str(r, 'workload', at), mode: str(r, 'mode', at), calls: num(r, 'calls', at),
      answeredBy: counts(r, 'answeredBy', at), escalations: counts(r, 'escalations', at), byHcall: counts(r, 'byHcall', at),
    };
  });
  const skippedRaw = p['skipped'] ?? [];
  if (!Array.isArray(skippedRaw)) fail('profile.skipped', 'must be an array');
  const skipped = (skippedRaw as unknown[]).map((s, i) => {
    if (!isObj(s)) return fail(`profile.skipped[${i}]`, 'must be an object');
    return { workload: str(s, 'workload', `profile.skipped[${i}].`), reason: str(s, 'reason', `profile.skipped[${i}].`) };
  });
  const profile: EscalationProfile = {
    vcpus: num(p, 'vcpus', 'profile.'), callsPerVcpu: num(p, 'callsPerVcpu', 'profile.'), seed: num(p, 'seed', 'profile.'),
    ringRecords: num(p, 'ringRecords', 'profile.'), runs, skipped,
  };
  const notes = raw['notes'] ?? [];
  if (!Array.isArray(notes) || !notes.every((x) => typeof x === 'string')) fail('notes', 'must be an array of strings');
  const options = raw['options'] ?? {};
  if (!isObj(options)) fail('options', 'must be an object');
  return {
    format: BENCH_FORMAT, version: BENCH_VERSION, date: str(raw, 'date', ''), machine, node: str(raw, 'node', ''), git,
    options: options as { readonly [key: string]: JsonValue }, benchmarks, noFigure, profile, notes: notes as string[],
  };
}

/** A bench file as JSON text: two-space indented, each array of numbers on one line (raw samples stay compact). */
export function serializeBenchFile(f: BenchFile): string {
  const text = JSON.stringify(f, null, 2);
  return `${text.replace(/\[(\s*-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*\s*)\]/g, (_m, body: string) => `[${body.replace(/\s+/g, '')}]`)}\n`;
}
