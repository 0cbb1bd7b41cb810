/**
 * Reading an exported trace back for the export tests: parse and check the JSON's structure,
 * group events by track, and check what Perfetto needs of every track (times in order, spans
 * nested, never partly overlapping).
 */
import { readFileSync } from 'node:fs';
import { EventDecoder } from '../../src/events/decode.js';
import type { TcesimEvent } from '../../src/events/events.js';
import { KIND_ENTER, R_F64_TIME, R_HEAD, RECORD_WORDS, headKind } from '../../src/events/layout.js';
import { readLogFile } from '../../src/events/log-file.js';
import { exportChromeTrace, type ChromeExportOptions, type ChromeExportResult } from '../../src/export/chrome-export.js';
import { LogStream } from '../../src/export/log-stream.js';
import type { CompleteEvent, InstantEvent, MetadataEvent, TraceEvent } from '../../src/export/trace-events.js';

export interface ParsedTrace {
  readonly displayTimeUnit: string;
  readonly otherData: Readonly<Record<string, unknown>>;
  readonly traceEvents: readonly TraceEvent[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One event's shape, as the Trace Event Format defines it; throws naming the event otherwise. */
function checkEvent(e: unknown, i: number): TraceEvent {
  const bad = (why: string): never => {
    throw new Error(`traceEvents[${i}] ${why}: ${JSON.stringify(e)}`);
  };
  if (!isObject(e)) return bad('is not an object');
  if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) bad('has no integer pid/tid');
  if (typeof e.name !== 'string' || e.name === '') bad('has no name');
  if (!isObject(e.args)) bad('has no args object');
  const time = (k: string): void => {
    if (typeof e[k] !== 'number' || !Number.isFinite(e[k]) || (e[k]) < 0) bad(`has a bad ${k}`);
  };
  switch (e.ph) {
    case 'X':
      time('ts');
      time('dur');
      if (typeof e.cat !== 'string') bad('has no cat');
      break;
    case 'i':
      time('ts');
      if (e.s !== 't') bad('is not thread-scoped');
      break;
    case 'M': {
      const args = e.args as Record<string, unknown>;
      if (e.name === 'process_name' || e.name === 'thread_name') {
        if (typeof args.name !== 'string') bad('names nothing');
      } else if (e.name === 'process_sort_index' || e.name === 'thread_sort_index') {
        if (!Number.isInteger(args.sort_index)) bad('has no sort_index');
      } else {
        bad('is unknown metadata');
      }
      break;
    }
    default:
      bad('has an unknown ph');
  }
  return e as unknown as TraceEvent;
}

/** Parse an exported file and check its structure: the JSON object format with traceEvents. */
export function readTrace(path: string): ParsedTrace {
  const j: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isObject(j)) throw new Error('the trace is not a JSON object');
  if (!Array.isArray(j.traceEvents)) throw new Error('the trace has no traceEvents array');
  if (typeof j.displayTimeUnit !== 'string' || !['ms', 'ns'].includes(j.displayTimeUnit)) throw new Error('bad displayTimeUnit');
  if (!isObject(j.otherData)) throw new Error('no otherData');
  return { displayTimeUnit: j.displayTimeUnit, otherData: j.otherData, traceEvents: j.traceEvents.map(checkEvent) };
}

export function spans(t: ParsedTrace, cat?: string): CompleteEvent[] {
  return t.traceEvents.filter((e): e is CompleteEvent => e.ph === 'X' && (cat === undefined || e.cat === cat));
}

export function instants(t: ParsedTrace, cat?: string): InstantEvent[] {
  return t.traceEvents.filter((e): e is InstantEvent => e.ph === 'i' && (cat === undefined || e.cat === cat));
}

function metadata(t: ParsedTrace): MetadataEvent[] {
  return t.traceEvents.filter((e): e is MetadataEvent => e.ph === 'M');
}

/** The name metadata gives a process. */
export function processName(t: ParsedTrace, pid: number): string | undefined {
  for (const m of metadata(t)) if (m.name === 'process_name' && m.pid === pid) return m.args.name;
  return undefined;
}

/** "vcpu/seq" of a span or instant, from its arguments. */
export function callKey(e: CompleteEvent | InstantEvent): string {
  return `${String(e.args.vcpu)}/${String(e.args.seq)}`;
}

/** Integer nanoseconds of a time in microseconds, as Perfetto reads it. */
export function ns(us: number): number {
  return Math.round(us * 1000);
}

/**
 * What Perfetto needs of each track, in file order: times never go back, and spans nest
 * (a span starting inside another ends inside it). Returns the problems found.
 */
export function trackProblems(t: ParsedTrace): string[] {
  const problems: string[] = [];
  const last = new Map<string, number>();
  const open = new Map<string, number[]>();
  for (const e of t.traceEvents) {
    if (e.ph === 'M') continue;
    const key = `${e.pid}:${e.tid}`;
    const ts = ns(e.ts);
    if (ts < (last.get(key) ?? 0)) problems.push(`track ${key}: ${e.name} at ${ts} ns after ${last.get(key)} ns`);
    last.set(key, ts);
    const stack = open.get(key) ?? [];
    open.set(key, stack);
    // Spans that ended by now are closed: what starts where a span ends is its sibling.
    while (stack.length > 0 && (stack.at(-1) as number) <= ts) stack.pop();
    if (e.ph === 'X') {
      const end = ts + ns(e.dur);
      const parentEnd = stack.at(-1);
      if (parentEnd !== undefined && end > parentEnd) problems.push(`track ${key}: ${e.name} [${ts}, ${end}] overlaps the end of its parent at ${parentEnd}`);
      stack.push(end);
    }
  }
  return problems;
}

/** Export `log` to `out` through the streaming reader. */
export function exportLog(log: string, out: string, options: ChromeExportOptions = { limit: null }): ChromeExportResult {
  const stream = new LogStream(log);
  try {
    return exportChromeTrace(stream, out, options);
  } finally {
    stream.close();
  }
}

export interface DecodedLog {
  readonly events: TcesimEvent[];
  /** The vCPU's modelled clock in each ENTER record, by "vcpu/seq". */
  readonly enterClock: Map<string, number>;
}

/** Decode a whole log the simple way (all in memory), to check the export against. */
export function decodeLog(path: string): DecodedLog {
  const file = readLogFile(path);
  const f64 = new Float64Array(file.words.buffer);
  const d = new EventDecoder();
  const events: TcesimEvent[] = [];
  const enterClock = new Map<string, number>();
  for (let r = 0; r < file.records; r++) {
    const at = r * RECORD_WORDS;
    const from = events.length;
    d.decode(file.words, at, events);
    if (headKind(file.words[at + R_HEAD] as number) === KIND_ENTER) {
      const e = events[from];
      if (e?.type === 'hcall-entered') enterClock.set(`${e.vcpu}/${e.seq}`, f64[(at >> 1) + R_F64_TIME] as number);
    }
  }
  return { events, enterClock };
}

/** Count of each value of `f` over `xs`. */
export function tally<T>(xs: readonly T[], f: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[f(x)] = (out[f(x)] ?? 0) + 1;
  return out;
}
