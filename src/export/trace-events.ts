/**
 * The subset of the Chrome Trace Event Format (the JSON object form, as chrome://tracing and
 * https://ui.perfetto.dev read it) that tcesim writes: complete events (a span with a start
 * and a duration), thread-scoped instant events, and the metadata events that name and order
 * processes and threads. Times are microseconds, as the format requires; Perfetto keeps them
 * to the nanosecond, so fractions of a microsecond are kept too.
 */

/** A value shown in a span's or instant's arguments panel. */
export type TraceArgValue = string | number | boolean | readonly string[];
export type TraceArgs = Readonly<Record<string, TraceArgValue>>;

/** Where an event is drawn: `pid` groups tracks, `tid` is the track. */
export interface TrackId {
  readonly pid: number;
  readonly tid: number;
}

/** `ph: 'X'`: a span on one track from `ts` for `dur` microseconds; spans on a track must nest. */
export interface CompleteEvent extends TrackId {
  readonly ph: 'X';
  readonly name: string;
  readonly cat: string;
  readonly ts: number;
  readonly dur: number;
  readonly args: TraceArgs;
}

/** `ph: 'i'` with `s: 't'`: a moment on one track. */
export interface InstantEvent extends TrackId {
  readonly ph: 'i';
  readonly s: 't';
  readonly name: string;
  readonly cat: string;
  readonly ts: number;
  readonly args: TraceArgs;
}

/** `ph: 'M'`: a process's or thread's display name or sort position. */
export type MetadataEvent = TrackId & { readonly ph: 'M' } & (
  | { readonly name: 'process_name' | 'thread_name'; readonly args: { readonly name: string } }
  | { readonly name: 'process_sort_index' | 'thread_sort_index'; readonly args: { readonly sort_index: number } }
);

export type TraceEvent = CompleteEvent | InstantEvent | MetadataEvent;

/** Where trace events go, one at a time, in the order they are made. */
export type TraceSink = (e: TraceEvent) => void;

/**
 * Modelled nanoseconds to the format's microseconds, rounded to the whole nanosecond: Perfetto
 * rounds every time to an integer nanosecond, so a span that ends where its parent ends must
 * end on the same integer, not one a floating-point subtraction lands beside.
 */
export function nsToUs(ns: number): number {
  return Math.round(ns) / 1000;
}

/** A span's `ts` and `dur` from its modelled start and end, both rounded as nsToUs rounds. */
export function spanUs(startNs: number, endNs: number): { ts: number; dur: number } {
  const start = Math.round(startNs);
  return { ts: start / 1000, dur: (Math.round(endNs) - start) / 1000 };
}
