/**
 * The one reader every log command uses (replay, report, export): it streams the log a block
 * of records at a time and, besides handing each block to the command's sinks, checks that the
 * log is one run's, whole and in order, and rebuilds the tables as `replay` does. A log that
 * fails a check is a LogFormatError naming the record; nothing is reported from it.
 *
 * The checks: each record's stamp is its position (the ring stamps every record with it, so
 * a duplicated, dropped, reordered or joined record shows); it decodes (known kind, tier,
 * reason); a one-record call is an H_PUT_TCE or H_GET_TCE answered in real mode; each vCPU's
 * calls enter in order, one at a time, and complete once; nothing follows the end of the run;
 * each vCPU's recorded total matches its calls in the log.
 */
import { H_GET_TCE, H_PUT_TCE } from '../papr/hcalls.js';
import { isMode, MODES } from '../papr/tiers.js';
import { LogFormatError } from './decode.js';
import type { RecordSink } from './drain.js';
import type { TcesimEvent } from './events.js';
import { KIND_CALL, RECORD_WORDS, R_HEAD, R_P0, R_STAMP, headKind, headTier } from './layout.js';
import { TableReplay, type ReplayResult } from './replay.js';
import { LogStream } from '../export/log-stream.js';
import { OutputWriteError } from './write-error.js';

export interface RunDescriptionFields {
  readonly mode: string;
  readonly workload: string;
  readonly vcpus: number;
  readonly calls: number;
  readonly seed: number;
}

export interface CheckedLog {
  readonly path: string;
  readonly description: RunDescriptionFields;
  readonly metadata: unknown;
  readonly records: number;
  /** Bytes after the last whole record: the file was cut mid-record (a killed run, a copy cut short). */
  readonly trailingBytes: number;
  readonly replay: ReplayResult;
  /** The log holds the end of the run (final tables). */
  readonly finished: boolean;
  /** Calls the run was asked to make (vCPUs x calls) and calls completed in the log. */
  readonly callsAsked: number;
  readonly callsCompleted: number;
  /** Why the log does not describe a whole run, or null when it does. */
  readonly unfinished: string | null;
  /** Reading stopped early because `stop` said so (only the records read were checked). */
  readonly stoppedEarly: boolean;
}

export interface ReadOptions {
  /** Given every block of records as it is read. */
  readonly sinks?: readonly RecordSink[];
  /** Given every record's decoded events (from the one decode the checks make). */
  readonly onEvents?: (events: readonly TcesimEvent[], record: number) => void;
  /** Called once the header is read and checked, before any record. */
  readonly onOpen?: (metadata: unknown, records: number) => void;
  /** Asked after each block: true stops reading there. */
  readonly stop?: () => boolean;
  /** Told records read so far and in all. */
  readonly progress?: ((done: number, total: number) => void) | undefined;
}

/** A record names its thread in 16 bits (layout.ts, THREAD_* << 16 | id): no log has more vCPUs. */
const MAX_LOG_VCPUS = 0xffff;

function description(metadata: unknown, path: string): RunDescriptionFields {
  if (typeof metadata !== 'object' || metadata === null) throw new LogFormatError(`${path}: the log's run description is not an object`);
  const r = metadata as Record<string, unknown>;
  const str = (k: string): string => {
    if (typeof r[k] !== 'string') throw new LogFormatError(`${path}: the run description has no ${k}`);
    return r[k];
  };
  const int = (k: string, min: number): number => {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new LogFormatError(`${path}: the run description's ${k} is not an integer >= ${min}`);
    return v;
  };
  const mode = str('mode');
  // Checked, because the report prints it and sizes its per-vCPU state by it: a corrupt header
  // is refused here, not reported from.
  if (!isMode(mode)) throw new LogFormatError(`${path}: the run description's mode ${JSON.stringify(mode)} is not one of ${MODES.join(', ')}`);
  const vcpus = int('vcpus', 1);
  if (vcpus > MAX_LOG_VCPUS) throw new LogFormatError(`${path}: the run description's vcpus ${vcpus} is more than a log can name (${MAX_LOG_VCPUS})`);
  return { mode, workload: str('workload'), vcpus, calls: int('calls', 0), seed: int('seed', 0) };
}

/** Per-vCPU bookkeeping of the checks. */
class CallOrder {
  private readonly next: Int32Array;
  private readonly open: Int32Array;
  readonly completed: Float64Array;
  readonly totals = new Map<number, number>();
  ended = -1;

  constructor(private readonly d: RunDescriptionFields) {
    this.next = new Int32Array(d.vcpus);
    this.open = new Int32Array(d.vcpus).fill(-1);
    this.completed = new Float64Array(d.vcpus);
  }

  private vcpu(v: number, what: string): void {
    if (!(v >= 0 && v < this.d.vcpus)) throw new Error(`${what} of vCPU ${v}, but the run has ${this.d.vcpus}`);
  }

  private inCall(v: number, seq: number, what: string): void {
    this.vcpu(v, what);
    if (this.open[v] !== seq) throw new Error(`${what} for vCPU ${v} call ${seq}, which is not in progress`);
  }

  events(events: readonly TcesimEvent[], record: number): void {
    if (this.ended >= 0 && events.length > 0) {
      throw new Error(`follows the end of the run (record ${this.ended}): two logs joined, or a corrupt file`);
    }
    for (const e of events) {
      switch (e.type) {
        case 'hcall-entered': {
          this.vcpu(e.vcpu, 'a call');
          const open = this.open[e.vcpu] as number;
          if (open >= 0) throw new Error(`vCPU ${e.vcpu} enters call ${e.seq} while call ${open} is in progress`);
          if (e.seq !== this.next[e.vcpu]) throw new Error(`vCPU ${e.vcpu} enters call ${e.seq}; its next call is ${this.next[e.vcpu]}`);
          if (e.seq >= this.d.calls) throw new Error(`vCPU ${e.vcpu} enters call ${e.seq}, but the run makes ${this.d.calls} calls per vCPU`);
          this.open[e.vcpu] = e.seq;
          this.next[e.vcpu] = e.seq + 1;
          break;
        }
        case 'escalated':
          this.inCall(e.vcpu, e.seq, 'an escalation');
          break;
        case 'retried':
          this.inCall(e.vcpu, e.seq, 'a retry');
          break;
        case 'hcall-completed':
          this.inCall(e.vcpu, e.seq, 'an answer');
          this.open[e.vcpu] = -1;
          this.completed[e.vcpu] = (this.completed[e.vcpu] as number) + 1;
          break;
        case 'vcpu-finished':
          this.vcpu(e.vcpu, 'the totals');
          if (this.totals.has(e.vcpu)) throw new Error(`vCPU ${e.vcpu}'s totals are recorded twice`);
          if (e.calls !== this.completed[e.vcpu]) {
            throw new Error(`vCPU ${e.vcpu}'s totals say ${e.calls} calls, the log holds ${this.completed[e.vcpu]}`);
          }
          this.totals.set(e.vcpu, e.calls);
          break;
        case 'final-tables-end':
          this.ended = record;
          break;
        default:
          break;
      }
    }
  }
}

/**
 * Read and check the log at `path`, handing every block of records to `sinks` too. Throws a
 * LogFormatError naming the record on the first problem. `progress` is told records read.
 */
export function readCheckedLog(path: string, options: ReadOptions = {}): CheckedLog {
  const { sinks = [], onEvents, progress } = options;
  const log = new LogStream(path);
  try {
    const d = description(log.metadata, path);
    const order = new CallOrder(d);
    const replay = new TableReplay((events, r) => {
      order.events(events, r);
      onEvents?.(events, r);
    });
    options.onOpen?.(log.metadata, log.records);
    let at = 0;
    let stoppedEarly = false;
    for (const block of log.blocks()) {
      for (let i = 0; i < block.count; i++) {
        const o = i * RECORD_WORDS;
        const r = block.first + i;
        if (block.words[o + R_STAMP] !== (r | 0)) {
          throw new LogFormatError(`${path}: record ${r} is stamped ${block.words[o + R_STAMP]}: records are duplicated, missing, reordered or corrupt from there`);
        }
        const head = block.words[o + R_HEAD] as number;
        if (headKind(head) === KIND_CALL) {
          const op = (block.words[o + R_P0] as number) >>> 0;
          if ((op !== H_PUT_TCE && op !== H_GET_TCE) || headTier(head) !== 0) {
            throw new LogFormatError(`${path}: record ${r}: a one-record call must be a real-mode H_PUT_TCE or H_GET_TCE (corrupt)`);
          }
        }
      }
      try {
        replay.records(block.words, block.count);
      } catch (e) {
        // Decoding (unknown kind, tier, reason) and the order checks throw plain errors: name the
        // record. A consumer's own failure (a full disk under an export) passes through as it is.
        if (e instanceof Error && !(e instanceof OutputWriteError)) {
          throw new LogFormatError(`${path}: record ${replay.count - 1}: ${e.message}`);
        }
        throw e;
      }
      for (const s of sinks) s.records(block.words, block.count);
      at += block.count;
      progress?.(at, log.records);
      if (options.stop?.() === true && at < log.records) {
        stoppedEarly = true;
        break;
      }
    }
    const result = replay.result();
    const callsAsked = d.vcpus * d.calls;
    const callsCompleted = result.callsCompleted;
    const finished = result.recorded !== null;
    let unfinished: string | null = null;
    const n = (x: number): string => x.toLocaleString('en-US');
    if (stoppedEarly) {
      unfinished = null;
    } else if (!finished) {
      unfinished = `the log ends before the run did (${n(callsCompleted)} of ${n(callsAsked)} calls completed${log.trailingBytes > 0 ? `, ${log.trailingBytes} bytes of a record cut off` : ''}): the run was killed, or the file was cut`;
    } else if (log.trailingBytes > 0) {
      throw new LogFormatError(`${path}: ${log.trailingBytes} bytes follow the end of the run: a corrupt file`);
    } else if (order.totals.size !== d.vcpus) {
      throw new LogFormatError(`${path}: the run ended with totals for ${order.totals.size} of ${d.vcpus} vCPUs`);
    } else if (callsCompleted < callsAsked) {
      unfinished = `the run was stopped early: ${n(callsCompleted)} of ${n(callsAsked)} calls made`;
    }
    return {
      path, description: d, metadata: log.metadata, records: log.records, trailingBytes: log.trailingBytes, replay: result, finished,
      callsAsked, callsCompleted, unfinished, stoppedEarly,
    };
  } finally {
    log.close();
  }
}
