import { EventDecoder } from '../../src/events/decode.js';
import type { HcallCompleted, TcesimEvent } from '../../src/events/events.js';
import { RECORD_WORDS } from '../../src/events/layout.js';
import { defaultRunOptions, type RunOptions } from '../../src/pipeline/run-options.js';
import type { RunResult } from '../../src/pipeline/run-result.js';

export function options(over: Partial<RunOptions>): RunOptions {
  return { ...defaultRunOptions(), keepRecords: true, ringRecords: 2 ** 16, ...over };
}

export function decodeAll(r: RunResult): TcesimEvent[] {
  const words = r.records;
  if (words === null) throw new Error('run kept no records');
  const d = new EventDecoder();
  const out: TcesimEvent[] = [];
  for (let i = 0; i < r.recordCount; i++) d.decode(words, i * RECORD_WORDS, out);
  return out;
}

/** Every call's completion, keyed "vcpu/seq"; fails on a call completed twice. */
export function completions(events: readonly TcesimEvent[]): Map<string, HcallCompleted> {
  const m = new Map<string, HcallCompleted>();
  for (const e of events) {
    if (e.type !== 'hcall-completed') continue;
    const key = `${e.vcpu}/${e.seq}`;
    if (m.has(key)) throw new Error(`call ${key} completed twice`);
    m.set(key, e);
  }
  return m;
}
