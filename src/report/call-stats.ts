/**
 * Aggregates a run from its raw records, as they are drained or read back from a log file:
 * per hcall and answering tier the count and the modelled and wall-clock latencies; per
 * escalation reason its count; per tier the calls it answered. Raw records, not decoded
 * events, so a run of millions of calls is summed without building an object per event.
 */
import {
  FLAG_MACHINE_EVENT, FLAG_WROTE, KIND_CALL, R_F64_CALL_COST, KIND_COMPLETE, KIND_ENTER, KIND_ESCALATE, KIND_RETRY, KIND_VCPU_TOTALS, KIND_WRITE, KIND_FILL, R_F64_HCALL_NS,
  R_F64_MAPPED, R_F64_RUN_WALL_MS, R_F64_TIME, R_F64_WALL, R_HEAD, R_P0, R_SEQ, R_VCPU, RECORD_WORDS, headFlags, headKind,
  headReason, headTier,
} from '../events/layout.js';
// The one histogram class used (what build() makes for bitBucketSize 64), not the package's
// index: that loads every variant, the log codecs and the WebAssembly one, ~50 ms of every run's start.
import Float64HistogramModule from 'hdr-histogram-js/dist/Float64Histogram.js';
import type { Histogram } from 'hdr-histogram-js';
import type { RecordSink } from '../events/drain.js';
import { MACHINE_EVENT_ROW } from '../papr/hcalls.js';

/**
 * Latencies as an HDR histogram (hdr-histogram-js, as latency tools keep them): memory is
 * bounded by the range of values, never by how many there are, so a report of a billion calls
 * takes what one of a thousand takes. Values are kept in thousandths of their unit (modelled
 * picoseconds, wall-clock nanoseconds) to 3 significant digits: a percentile is within 0.1% of
 * the exact one. The maximum is kept exactly.
 */
export const LATENCY_SIGNIFICANT_DIGITS = 3;
const SCALE = 1000;

const Float64Histogram = Float64HistogramModule.default;

/** As build({ bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 }) makes it. */
function newHistogram(): Histogram {
  const h = new Float64Histogram(1, 2, LATENCY_SIGNIFICANT_DIGITS);
  h.autoResize = true;
  return h;
}

export class Latency {
  private readonly h: Histogram = newHistogram();
  length = 0;
  max = -Infinity;
  /**
   * A run of equal values not yet in the histogram, recorded at once with its count: modelled
   * costs repeat (a trace replay's 400k calls take a handful of values), and one record per
   * run instead of per call keeps the main thread's work per call small while a run goes on.
   * The histogram ends the same: a value recorded n times or once with count n.
   */
  private runValue = -1;
  private runCount = 0;

  push(v: number): void {
    const x = Math.max(0, Math.round(v * SCALE));
    if (x === this.runValue) {
      this.runCount++;
    } else {
      this.flush();
      this.runValue = x;
      this.runCount = 1;
    }
    this.length++;
    if (v > this.max) this.max = v;
  }

  private flush(): void {
    if (this.runCount > 0) this.h.recordValueWithCount(this.runValue, this.runCount);
    this.runCount = 0;
    this.runValue = -1;
  }

  /** The value at quantile q (0..1), to LATENCY_SIGNIFICANT_DIGITS significant digits. */
  at(q: number): number {
    this.flush();
    return this.h.getValueAtPercentile(q * 100) / SCALE;
  }

  /** Bytes the histogram holds (bounded by the value range, not the count). */
  get footprint(): number {
    this.flush();
    return this.h.estimatedFootprintInBytes;
  }
}

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

export interface CallGroup {
  readonly opcode: number;
  readonly tier: number;
  count: number;
  readonly modelledNs: Latency;
  readonly wallUs: Latency;
}

export function summarize(s: Latency): LatencySummary | null {
  if (s.length === 0) return null;
  return { p50: Math.min(s.at(0.5), s.max), p99: Math.min(s.at(0.99), s.max), max: s.max, samples: s.length };
}

export class CallStats implements RecordSink {
  readonly groups = new Map<number, CallGroup>();
  /** Escalations by reason number. */
  readonly escalations = new Map<number, number>();
  /**
   * Table writes made by each tier: every store into a table entry (guest view and hardware),
   * a store of the value the entry already held included.
   */
  readonly writesByTier = [0, 0, 0];
  /** Of those, the writes that changed the entry's value. */
  readonly changesByTier = [0, 0, 0];
  retries = 0;
  /** Each vCPU's totals, from the records written when the run ended. */
  readonly vcpus: { vcpu: number; calls: number; clockNs: number; hcallNs: number; mappedBytes: number }[] = [];
  runWallMs = -1;
  entered = 0;
  completed = 0;
  /** Modelled nanoseconds of all calls answered by each tier. */
  readonly tierNs = [0, 0, 0];
  readonly tierCalls = [0, 0, 0];
  /** Opcode of the call in flight on each vCPU (one at a time per vCPU). */
  private readonly inFlight = new Map<number, number>();
  private readonly f64 = new Float64Array(RECORD_WORDS / 2);
  /** The group the last call went to: runs of calls mostly go to the same one. */
  private lastKey = -1;
  private lastGroup: CallGroup | null = null;
  private readonly i32 = new Int32Array(this.f64.buffer);

  private group(opcode: number, tier: number): CallGroup {
    const key = opcode * 4 + tier;
    if (key === this.lastKey && this.lastGroup !== null) return this.lastGroup;
    let g = this.groups.get(key);
    if (g === undefined) {
      g = { opcode, tier, count: 0, modelledNs: new Latency(), wallUs: new Latency() };
      this.groups.set(key, g);
    }
    this.lastKey = key;
    this.lastGroup = g;
    return g;
  }

  private done(opcode: number, tier: number, costNs: number, wallUs: number): void {
    const g = this.group(opcode, tier);
    g.count++;
    g.modelledNs.push(costNs);
    if (wallUs >= 0) g.wallUs.push(wallUs);
    this.completed++;
    if (tier < 3) {
      this.tierNs[tier] = (this.tierNs[tier] as number) + costNs;
      this.tierCalls[tier] = (this.tierCalls[tier] as number) + 1;
    }
  }

  records(words: Int32Array, count: number): void {
    for (let r = 0; r < count; r++) {
      const o = r * RECORD_WORDS;
      const head = words[o + R_HEAD] as number;
      const kind = headKind(head);
      switch (kind) {
        case KIND_ENTER:
          this.entered++;
          this.inFlight.set(words[o + R_VCPU] as number, (headFlags(head) & FLAG_MACHINE_EVENT) !== 0 ? MACHINE_EVENT_ROW : (words[o + R_P0] as number) >>> 0);
          break;
        case KIND_CALL: {
          this.entered++;
          this.done((words[o + R_P0] as number) >>> 0, headTier(head), this.f64At(words, o, R_F64_CALL_COST), -1);
          if ((headFlags(head) & FLAG_WROTE) !== 0) {
            this.writesByTier[headTier(head)]!++;
            // Old value P6/P7, new value the call's argument P4/P5.
            if (words[o + R_P0 + 6] !== words[o + R_P0 + 4] || words[o + R_P0 + 7] !== words[o + R_P0 + 5]) this.changesByTier[headTier(head)]!++;
          }
          break;
        }
        case KIND_COMPLETE: {
          const opcode = this.inFlight.get(words[o + R_VCPU] as number) ?? -1;
          this.done(opcode, headTier(head), this.f64At(words, o, R_F64_TIME), this.f64At(words, o, R_F64_WALL));
          break;
        }
        case KIND_ESCALATE: {
          const reason = headReason(head);
          this.escalations.set(reason, (this.escalations.get(reason) ?? 0) + 1);
          break;
        }
        case KIND_VCPU_TOTALS:
          this.copy(words, o);
          this.vcpus.push({
            vcpu: words[o + R_VCPU] as number, calls: words[o + R_SEQ] as number, clockNs: this.f64[R_F64_TIME] as number,
            hcallNs: this.f64[R_F64_HCALL_NS] as number, mappedBytes: this.f64[R_F64_MAPPED] as number,
          });
          this.runWallMs = this.f64[R_F64_RUN_WALL_MS] as number;
          break;
        case KIND_RETRY:
          this.retries++;
          break;
        case KIND_WRITE: {
          const tier = headTier(head);
          if (tier < 3) {
            this.writesByTier[tier]!++;
            // Old value P2/P3, new value P4/P5.
            if (words[o + R_P0 + 2] !== words[o + R_P0 + 4] || words[o + R_P0 + 3] !== words[o + R_P0 + 5]) this.changesByTier[tier]!++;
          }
          break;
        }
        case KIND_FILL: {
          // A run of writes: P2 how many, P7 how many changed their entry.
          const tier = headTier(head);
          if (tier < 3) {
            this.writesByTier[tier] = (this.writesByTier[tier] as number) + (words[o + R_P0 + 2] as number);
            this.changesByTier[tier] = (this.changesByTier[tier] as number) + (words[o + R_P0 + 7] as number);
          }
          break;
        }
        default:
          break;
      }
    }
  }

  private copy(words: Int32Array, o: number): void {
    for (let i = 0; i < RECORD_WORDS; i++) this.i32[i] = words[o + i] as number;
  }

  /** The record's Float64 slot `slot` (records may sit at any 4-byte offset, so it is copied out). */
  private f64At(words: Int32Array, o: number, slot: number): number {
    this.i32[0] = words[o + 2 * slot] as number;
    this.i32[1] = words[o + 2 * slot + 1] as number;
    return this.f64[0] as number;
  }
}
