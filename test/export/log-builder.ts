/**
 * Hand-made event logs for the export tests: records written one by one in the layout of
 * docs/event-log-format.md, so a test can set every clock, cost and thread and know exactly
 * what the timeline must show (paths no workload takes yet, such as virtual mode giving a call
 * up to userspace, and records a full ring makes a pool worker write for a vCPU).
 */
import type { ThreadRef } from '../../src/events/events.js';
import {
  KIND_CALL, KIND_COMPLETE, KIND_ENTER, KIND_ESCALATE, KIND_RETRY, KIND_TABLE, KIND_WRITE, NO_TIER, R_F64_CALL_COST, R_F64_TIME, R_F64_WALL, R_HEAD,
  R_P0, R_SEQ, R_THREAD, R_VCPU, RECORD_WORDS, THREAD_MAIN, THREAD_POOL, THREAD_VCPU, recordHead, threadWord,
} from '../../src/events/layout.js';
import { LogFileWriter } from '../../src/events/log-file.js';
import { REASON_NAMES, type ReasonName } from '../../src/papr/reasons.js';
import { TIER_NAMES, type TierName } from '../../src/papr/tiers.js';

const tier = (t: TierName): number => TIER_NAMES.indexOf(t);
const reason = (r: ReasonName): number => REASON_NAMES.indexOf(r);
const thread = (t: ThreadRef): number => threadWord(t.kind === 'vcpu' ? THREAD_VCPU : t.kind === 'pool' ? THREAD_POOL : THREAD_MAIN, t.id);
const lo = (v: bigint): number => Number(v & 0xffffffffn) | 0;
const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn) | 0;

export interface CallArgs {
  readonly opcode: number;
  readonly liobn: bigint;
  readonly ioba: bigint;
  readonly arg: bigint;
  readonly npages: bigint;
}

export class LogBuilder {
  private readonly records: Int32Array[] = [];
  /** The call the next call records belong to. */
  private vcpu = 0;
  private seq = 0;

  private record(kind: number, t: number, r: number, flags: number, time: number, payload: readonly number[], by: ThreadRef | null): Int32Array {
    const w = new Int32Array(RECORD_WORDS);
    const f = new Float64Array(w.buffer);
    w[R_HEAD] = recordHead(kind, t, r, flags);
    w[R_VCPU] = this.vcpu;
    w[R_SEQ] = this.seq;
    f[R_F64_TIME] = time;
    payload.forEach((x, i) => {
      w[R_P0 + i] = x;
    });
    if (by !== null) w[R_THREAD] = thread(by);
    this.records.push(w);
    return w;
  }

  /** Later call records belong to call `seq` of vCPU `vcpu`. */
  call(vcpu: number, seq: number): this {
    this.vcpu = vcpu;
    this.seq = seq;
    return this;
  }

  table(liobn: number, entries: number): this {
    this.record(KIND_TABLE, NO_TIER, 0, 0, 0, [liobn, 12, entries, 0, 0, 1, 0], null);
    return this;
  }

  enter(first: TierName, clockNs: number, a: CallArgs, by: ThreadRef): this {
    this.record(KIND_ENTER, tier(first), 0, 0, clockNs, [a.opcode, lo(a.liobn), hi(a.liobn), lo(a.ioba), hi(a.ioba), lo(a.arg), hi(a.arg), lo(a.npages), hi(a.npages)], by);
    return this;
  }

  escalate(from: TierName, why: ReasonName, to: TierName, costNs: number, by: ThreadRef): this {
    this.record(KIND_ESCALATE, tier(from), reason(why), 0, costNs, [tier(to)], by);
    return this;
  }

  retry(t: TierName, attempt: number, by: ThreadRef): this {
    this.record(KIND_RETRY, tier(t), reason('worker-crashed'), 0, 0, [attempt], by);
    return this;
  }

  write(t: TierName, liobn: number, index: number, old: bigint, value: bigint, by: ThreadRef): this {
    this.record(KIND_WRITE, tier(t), 0, 0, 0, [liobn, index, lo(old), hi(old), lo(value), hi(value)], by);
    return this;
  }

  complete(t: TierName, ret: number, costNs: number, wallUs: number, by: ThreadRef): this {
    const w = this.record(KIND_COMPLETE, tier(t), 0, 0, costNs, [ret, 0, 0], by);
    new Float64Array(w.buffer)[R_F64_WALL] = wallUs;
    return this;
  }

  /** Real mode's one-record call, answered H_SUCCESS (FLAG_WROTE: it wrote `a.arg` over `old`). */
  oneRecordCall(clockNs: number, costNs: number, a: CallArgs, old: bigint): this {
    const w = this.record(KIND_CALL, tier('realmode'), 0, 2, clockNs, [a.opcode, lo(a.liobn), lo(a.ioba), hi(a.ioba), lo(a.arg), hi(a.arg), lo(old), hi(old)], null);
    new Float64Array(w.buffer)[R_F64_CALL_COST] = costNs;
    return this;
  }

  save(path: string): void {
    const file = new LogFileWriter(path, { format: 'tcesim-run', mode: 'realmode', vcpus: 2, workload: 'hand-made', calls: 2, seed: 0 });
    for (const r of this.records) file.append(r, 1);
    file.close();
  }
}
