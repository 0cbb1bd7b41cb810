/**
 * Binary records to TcesimEvents. Stateful only for what a compact record leaves out: a
 * real-mode one-record call names its table by LIOBN and its entry by ioba, so the decoder
 * keeps the geometry of every table it has seen created.
 */
import { MACHINE_EVENT_ROW, hcallName } from '../papr/hcalls.js';
import { reasonName } from '../papr/reasons.js';
import { H_SUCCESS, returnCodeName } from '../papr/return-codes.js';
import { tierName } from '../papr/tiers.js';
import { toBig } from '../papr/u64.js';
import { errnoName } from '../host/errno.js';
import { ioctlKindName } from '../host/ioctl-kinds.js';
import type { TableRef, TcesimEvent, ThreadRef } from './events.js';
import {
  FLAG_HW, FLAG_MACHINE_EVENT, FLAG_TCE_DIFFERS, FLAG_WROTE, KIND_CALL, KIND_TRACE_COUNTS, KIND_COMPLETE, KIND_ENTER, KIND_ESCALATE, KIND_PAD, KIND_RETRY,
  KIND_FILL, KIND_SNAPSHOT, KIND_SNAPSHOT_END, KIND_TABLE, KIND_TABLE_MOVED, KIND_IOMMU_REPLAY, KIND_VCPU_TOTALS, KIND_WRITE, KIND_IOCTL, KIND_HOST_MEMORY, KIND_HOST_FINAL, R_F64_HCALL_NS, R_F64_MAPPED, R_F64_RUN_WALL_MS, R_F64_TIME, R_F64_WALL, R_HEAD, R_P0, R_SEQ, R_THREAD, R_VCPU, R_F64_CALL_COST,
  RECORD_WORDS, headFlags, headKind, headReason, headTier,
} from './layout.js';

const U64 = 0xffffffffffffffffn;

interface Geometry {
  shift: bigint;
  offsetPages: bigint;
}

/** A record that cannot be decoded: the log is not one tcesim wrote, or it is corrupt. */
export class LogFormatError extends Error {
  readonly code = 'ELOGFORMAT';
}

const THREAD_KINDS = ['main', 'vcpu', 'pool'] as const;
/** KIND_HOST_MEMORY's P0, in HOST_PIN.. order. */
const HOST_MEMORY_OPS = ['pin', 'unpin', 'charge', 'refund'] as const;

function threadOf(word: number): ThreadRef {
  return { kind: THREAD_KINDS[word >>> 16] ?? 'main', id: word & 0xffff };
}

export class EventDecoder {
  private readonly tables = new Map<number, Geometry>();
  private readonly f64 = new Float64Array(RECORD_WORDS / 2);
  private readonly i32 = new Int32Array(this.f64.buffer);

  /** Decode the record at word `at` of `words`, appending its events to `out`. */
  decode(words: Int32Array, at: number, out: TcesimEvent[]): void {
    const p = (i: number): number => words[at + R_P0 + i] as number;
    const u = (i: number): number => (words[at + R_P0 + i] as number) >>> 0;
    const big = (i: number): bigint => toBig(u(i + 1), u(i));
    for (let i = 0; i < RECORD_WORDS; i++) this.i32[i] = words[at + i] as number;
    const head = words[at + R_HEAD] as number;
    const kind = headKind(head);
    const vcpu = words[at + R_VCPU] as number;
    const seq = words[at + R_SEQ] as number;
    const time = this.f64[R_F64_TIME] as number;
    const thread = headKind(head) === KIND_CALL ? { kind: 'vcpu' as const, id: vcpu } : threadOf(words[at + R_THREAD] as number);
    const tableOf = (flags: number, id: number): TableRef => ({ kind: (flags & FLAG_HW) !== 0 ? 'hardware' : 'guest', id });
    switch (kind) {
      case KIND_PAD: return;
      case KIND_ENTER:
        out.push({
          type: 'hcall-entered', vcpu, seq, thread, opcode: u(0), hcall: hcallName((headFlags(head) & FLAG_MACHINE_EVENT) !== 0 ? MACHINE_EVENT_ROW : u(0)),
          liobn: big(1), ioba: big(3), arg: big(5), npages: big(7), clockNs: time,
        });
        out.push({ type: 'tier-tried', vcpu, seq, thread, tier: tierName(headTier(head)) });
        return;
      case KIND_ESCALATE:
        out.push({ type: 'escalated', vcpu, seq, thread, from: tierName(headTier(head)), to: tierName(p(0)), reason: reasonName(headReason(head)), costNs: time });
        out.push({ type: 'tier-tried', vcpu, seq, thread, tier: tierName(p(0)) });
        return;
      case KIND_RETRY:
        out.push({ type: 'retried', vcpu, seq, thread, tier: tierName(headTier(head)), reason: reasonName(headReason(head)), attempt: p(0) });
        return;
      case KIND_WRITE:
        out.push({ type: 'table-write', vcpu, seq, thread, tier: tierName(headTier(head)), table: tableOf(headFlags(head), u(0)), index: u(1), old: big(2), value: big(4) });
        return;
      case KIND_FILL:
        out.push({
          type: 'table-fill', vcpu, seq, thread, tier: tierName(headTier(head)), table: tableOf(headFlags(head), u(0)), index: u(1), count: u(2),
          value: big(3), step: big(5), changed: u(7), oldDigest: p(8),
        });
        return;
      case KIND_COMPLETE:
        out.push({ type: 'hcall-completed', vcpu, seq, thread, tier: tierName(headTier(head)), ret: p(0), retName: returnCodeName(p(0)), out: big(1), costNs: time, wallUs: this.f64[R_F64_WALL] as number });
        return;
      case KIND_CALL: {
        const tier = tierName(headTier(head));
        const liobn = BigInt(u(1));
        const ioba = big(2);
        const arg = big(4);
        const costNs = this.f64[R_F64_CALL_COST] as number;
        out.push({ type: 'hcall-entered', vcpu, seq, thread, opcode: u(0), hcall: hcallName(u(0)), liobn, ioba, arg, npages: 0n, clockNs: time });
        out.push({ type: 'tier-tried', vcpu, seq, thread, tier });
        const wrote = (headFlags(head) & FLAG_WROTE) !== 0;
        if (wrote) {
          const g = this.tables.get(u(1));
          if (g === undefined) throw new LogFormatError(`a call writes table 0x${u(1).toString(16)} before the log says it exists`);
          const index = Number((ioba >> g.shift) - g.offsetPages);
          out.push({ type: 'table-write', vcpu, seq, thread, tier, table: { kind: 'guest', id: u(1) }, index, old: big(6), value: arg });
        }
        out.push({ type: 'hcall-completed', vcpu, seq, thread, tier, ret: H_SUCCESS, retName: returnCodeName(H_SUCCESS), out: wrote ? 0n : big(6), costNs, wallUs: -1 });
        return;
      }
      case KIND_TABLE: {
        const table = tableOf(headFlags(head), u(0));
        const busOffset = big(3);
        if (table.kind === 'guest') this.tables.set(u(0), { shift: BigInt(p(1)), offsetPages: busOffset >> BigInt(p(1)) });
        out.push({ type: 'table-created', table, pageShift: p(1), entries: u(2), busOffset, inKernel: (p(5) & 1) !== 0, attachedTo: u(6) });
        return;
      }
      case KIND_SNAPSHOT:
        out.push({ type: 'final-entry', table: tableOf(headFlags(head), u(0)), index: u(1), value: big(2) & U64 });
        return;
      case KIND_VCPU_TOTALS:
        out.push({
          type: 'vcpu-finished', vcpu, calls: seq, clockNs: time, hcallNs: this.f64[R_F64_HCALL_NS] as number,
          mappedBytes: this.f64[R_F64_MAPPED] as number, runWallMs: this.f64[R_F64_RUN_WALL_MS] as number,
        });
        return;
      case KIND_SNAPSHOT_END:
        out.push({ type: 'final-tables-end', entries: u(0), tables: u(1) });
        return;
      case KIND_IOCTL:
        out.push({ type: 'host-ioctl', ioctl: ioctlKindName(u(0)), ret: p(1), errno: errnoName(p(1)), target: p(2) });
        return;
      case KIND_HOST_MEMORY: {
        const op = HOST_MEMORY_OPS[u(0)];
        if (op === undefined) throw new LogFormatError(`unknown host memory operation ${u(0)}`);
        out.push({ type: 'host-memory', op, value: big(1) });
        return;
      }
      case KIND_HOST_FINAL:
        out.push({ type: 'host-final', pinnedPages: u(0), lockedBytes: big(1), regions: u(3) });
        return;
      case KIND_TABLE_MOVED:
        out.push({ type: 'table-moved', liobn: u(0), replayed: u(1) });
        return;
      case KIND_IOMMU_REPLAY:
        out.push({ type: 'mapping-replayed', liobn: u(0), index: u(1), value: big(2) & U64 });
        return;
      case KIND_TRACE_COUNTS: {
        const line = vcpu >>> 0;
        out.push({
          type: 'trace-run-counts', calls: u(0), rtasCalls: u(1), noTableCalls: u(2), reconstructedLists: u(3), skippedLines: u(4),
          mangledLines: u(5), firstMangledLine: u(6), phbs: u(7), checked: u(8), differing: u(9),
          first: line === 0 ? null : { line, ret: seq, tier: headTier(head), traceRet: words[at + R_SEQ + 1] as number, tceDiffers: (headFlags(head) & FLAG_TCE_DIFFERS) !== 0 },
        });
        return;
      }
      default:
        throw new LogFormatError(`unknown record kind ${kind}`);
    }
  }
}
