/**
 * The run report, in the spirit of `perf kvm stat report`: per hcall and answering tier the
 * count, share and latencies (modelled, and wall-clock where the call left its vCPU thread);
 * per escalation reason its count; totals per tier; and the run's modelled and wall-clock
 * throughput. Built from CallStats, so a finished run and a log file read back print the same.
 */
import { hcallName } from '../papr/hcalls.js';
import { reasonName } from '../papr/reasons.js';
import { TIER_NAMES } from '../papr/tiers.js';
import { LATENCY_SIGNIFICANT_DIGITS, summarize, type CallStats, type LatencySummary } from './call-stats.js';

export interface RunDescription {
  readonly mode: string;
  readonly workload: string;
  readonly vcpus: number;
  readonly calls: number;
  readonly seed: number;
}

export interface RunFigures {
  readonly calls: number;
  readonly wallMs: number;
  readonly wallCallsPerSec: number;
  /** The longest vCPU's modelled clock: the run's modelled duration. */
  readonly modelledMs: number;
  readonly modelledCallsPerSec: number;
  /** Bytes mapped by successful calls per modelled second (DMA bandwidth the workload would sustain). */
  readonly modelledMBPerSec: number;
  readonly escalations: Readonly<Record<string, number>>;
  readonly answeredBy: Readonly<Record<string, number>>;
}

/** The figures a regression check compares; modelled ones are exact for a seed. */
export function runFigures(s: CallStats): RunFigures {
  const calls = s.completed;
  const modelledNs = Math.max(0, ...s.vcpus.map((v) => v.clockNs));
  const bytes = s.vcpus.reduce((n, v) => n + v.mappedBytes, 0);
  const escalations: Record<string, number> = {};
  for (const [reason, n] of [...s.escalations].sort((a, b) => a[0] - b[0])) escalations[reasonName(reason)] = n;
  const answeredBy: Record<string, number> = {};
  TIER_NAMES.forEach((name, i) => { answeredBy[name] = s.tierCalls[i] as number; });
  return {
    calls,
    wallMs: s.runWallMs,
    wallCallsPerSec: s.runWallMs > 0 ? calls / (s.runWallMs / 1000) : 0,
    modelledMs: modelledNs / 1e6,
    modelledCallsPerSec: modelledNs > 0 ? calls / (modelledNs / 1e9) : 0,
    modelledMBPerSec: modelledNs > 0 ? bytes / modelledNs * 1000 : 0,
    escalations,
    answeredBy,
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function lat(l: LatencySummary | null, digits: number): string {
  return l === null ? '-' : `${fmt(l.p50, digits)} / ${fmt(l.p99, digits)} / ${fmt(l.max, digits)}`;
}

function table(header: string[], rows: string[][], rightAlign: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export interface ReportExtras {
  /** Pool worker deaths (a worker holding two calls that dies is one death and two retries). */
  readonly workerCrashes?: number;
  readonly records?: number;
  readonly sharedTables?: boolean;
  /** Why the run or its log is not whole (stopped by a signal, killed, cut): printed first and last. */
  readonly unfinished?: string | null;
  /** Notes printed at the end (e.g. a fault injection that did not happen). */
  readonly notes?: readonly string[];
}

export function formatReport(d: RunDescription, s: CallStats, extra: ReportExtras = {}): string {
  const f = runFigures(s);
  const out: string[] = [];
  const unfinished = extra.unfinished ?? null;
  if (unfinished !== null) out.push(`UNFINISHED RUN: ${unfinished}; the figures below cover only the calls it made`);
  out.push(`tcesim run: mode ${d.mode}, workload ${d.workload}, ${d.vcpus} vCPU(s) x ${fmt(d.calls)} calls, seed ${d.seed}`);
  out.push('');
  const groups = [...s.groups.values()].sort((a, b) => a.opcode - b.opcode || a.tier - b.tier);
  out.push(table(
    ['hcall', 'answered by', 'count', 'share', 'modelled ns p50 / p99 / max', 'wall us p50 / p99 / max'],
    groups.map((g) => [
      hcallName(g.opcode), TIER_NAMES[g.tier] ?? String(g.tier), fmt(g.count),
      `${fmt((100 * g.count) / Math.max(1, f.calls), 2)}%`, lat(summarize(g.modelledNs), 0), lat(summarize(g.wallUs), 1),
    ]),
    [false, false, true, true, true, true],
  ));
  out.push('');
  const reasons = Object.entries(f.escalations);
  out.push(reasons.length === 0 ? 'escalations: none' : table(['escalation reason', 'count'], reasons.map(([r, n]) => [r, fmt(n)]), [false, true]));
  out.push('');
  out.push(table(
    ['tier', 'answered', 'share', 'modelled ms', 'table writes', 'entries changed'],
    TIER_NAMES.map((name, i) => [
      name, fmt(s.tierCalls[i] as number), `${fmt((100 * (s.tierCalls[i] as number)) / Math.max(1, f.calls), 2)}%`,
      fmt((s.tierNs[i] as number) / 1e6, 3), fmt(s.writesByTier[i] as number), fmt(s.changesByTier[i] as number),
    ]),
    [false, true, true, true, true, true],
  ));
  out.push('table writes: every store into a table entry (guest view and hardware), a store of the value it held included; entries changed: the writes that changed it');
  out.push('');
  out.push(`calls: ${fmt(f.calls)} completed of ${fmt(s.entered)} entered; retries after a worker crash: ${fmt(s.retries)}${extra.workerCrashes !== undefined ? `; pool worker deaths: ${extra.workerCrashes}` : ''}${extra.records !== undefined ? `; log records: ${fmt(extra.records)}` : ''}`);
  out.push(`modelled:   ${fmt(f.modelledMs, 3)} ms, ${fmt(f.modelledCallsPerSec)} calls/s, ${fmt(f.modelledMBPerSec, 1)} MB/s mapped`);
  out.push(`wall-clock: ${f.wallMs >= 0 ? `${fmt(f.wallMs, 0)} ms, ${fmt(f.wallCallsPerSec)} calls/s` : 'not recorded'}`);
  out.push(`latency percentiles: HDR histogram, ${LATENCY_SIGNIFICANT_DIGITS} significant digits (within 0.1%); max exact`);
  if (extra.sharedTables === true) out.push('note: vCPUs share a table, so lock contention and the paths it causes depend on timing');
  for (const note of extra.notes ?? []) out.push(`note: ${note}`);
  if (unfinished !== null) out.push(`UNFINISHED RUN: ${unfinished}`);
  return out.join('\n');
}
