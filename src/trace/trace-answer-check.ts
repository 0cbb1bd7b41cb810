/**
 * Each hcall answer of a trace replay checked against the trace, on the main thread: as the
 * run's records are drained, every completed call of vCPU 0 (a CALL or COMPLETE record, in
 * call order) is compared with the next call of the trace — read from the pre-scan's call
 * records (trace-calls-file.ts), or from the trace text when there are none — and every answer
 * (and H_GET_TCE value) that differs from the one QEMU printed is counted, the first one named.
 * Raw records, so nothing is decoded. In userspace mode none should differ; in the kernel
 * modes a malformed call may be answered otherwise (SPEC §6). RTAS answers are checked by the
 * workload itself (a difference stops the run); machine events (--qemu-event) are not trace calls.
 */
import { statSync } from 'node:fs';
import type { RecordSink } from '../events/drain.js';
import { FLAG_WROTE, KIND_CALL, KIND_COMPLETE, R_HEAD, R_P0, R_SEQ, R_VCPU, RECORD_WORDS, headFlags, headKind, headTier } from '../events/layout.js';
import { H_GET_TCE } from '../papr/hcalls.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import { tierName } from '../papr/tiers.js';
import { hex, toBig } from '../papr/u64.js';
import type { WorkloadParams } from '../workload/workload.js';
import type { TraceFirstDifference } from './trace-run-counts.js';
import { qemuEventsOf } from '../workload/qemu-events.js';
import { parseTableOverrides } from './table-geometry.js';
import { CF_LINE, CF_OPCODE, CF_RET, CF_TCE_HI, CF_TCE_LO, CallFileReader, callFilePath, isRtasRecord } from './trace-calls-file.js';
import { TraceCallStream } from './trace-calls-stream.js';

export interface TraceAnswerCheck {
  checked: number;
  differing: number;
  /** The first difference: its trace line and what differed, or null. */
  first: string | null;
  /** The same, as numbers (for the event log's TRACE_COUNTS record). */
  firstAt?: TraceFirstDifference;
}

/** The check as a record sink of the run's drain; close() when the run has ended. */
export class TraceAnswerSink implements RecordSink {
  private readonly eventCalls: ReadonlySet<number>;
  private readonly calls: CallFileReader | null;
  private readonly text: TraceCallStream | null;

  constructor(private readonly file: string, params: WorkloadParams, ramBytes: number, private readonly into: TraceAnswerCheck) {
    this.eventCalls = new Set(qemuEventsOf(params).map((e) => e.atCall));
    let calls: CallFileReader | null;
    try {
      const st = statSync(file);
      calls = new CallFileReader(callFilePath(file, st.size, st.mtimeMs, st.ino, params['tables'] ?? '', ramBytes));
    } catch {
      calls = null;
    }
    this.calls = calls;
    this.text = calls === null ? new TraceCallStream(file, parseTableOverrides(params['tables']), ramBytes) : null;
  }

  records(words: Int32Array, count: number): void {
    for (let r = 0; r < count; r++) {
      const o = r * RECORD_WORDS;
      const head = words[o + R_HEAD] as number;
      const kind = headKind(head);
      if ((kind !== KIND_CALL && kind !== KIND_COMPLETE) || words[o + R_VCPU] !== 0 || this.eventCalls.has(words[o + R_SEQ] as number)) continue;
      // A CALL record is a fast-path H_SUCCESS; its P6/P7 is H_GET_TCE's value unless it wrote.
      const call = kind === KIND_CALL;
      const ret = call ? H_SUCCESS : (words[o + R_P0] as number);
      const outLo = call ? ((headFlags(head) & FLAG_WROTE) !== 0 ? 0 : (words[o + R_P0 + 6] as number)) : (words[o + R_P0 + 1] as number);
      const outHi = call ? ((headFlags(head) & FLAG_WROTE) !== 0 ? 0 : (words[o + R_P0 + 7] as number)) : (words[o + R_P0 + 2] as number);
      this.check(ret, outHi, outLo, headTier(head));
    }
  }

  private check(ret: number, outHi: number, outLo: number, tier: number): void {
    let expect: number;
    let getTce: boolean;
    let tceHi: number;
    let tceLo: number;
    let line: number;
    if (this.calls !== null) {
      const o = this.calls.next();
      if (o < 0) return;
      const w = this.calls.words;
      if (isRtasRecord(w, o)) return;
      expect = w[o + CF_RET] as number;
      getTce = w[o + CF_OPCODE] === H_GET_TCE;
      tceHi = w[o + CF_TCE_HI] as number;
      tceLo = w[o + CF_TCE_LO] as number;
      line = w[o + CF_LINE] as number;
    } else {
      const c = (this.text as TraceCallStream).next();
      if (c === null || c.rtas !== null) return;
      expect = c.ret;
      getTce = c.opcode === H_GET_TCE;
      tceHi = Number(c.tce >> 32n) | 0;
      tceLo = Number(c.tce & 0xffffffffn) | 0;
      line = (this.text as TraceCallStream).reader.line;
    }
    const into = this.into;
    into.checked++;
    const tceDiffers = getTce && ret === H_SUCCESS && expect === H_SUCCESS && ((outHi | 0) !== tceHi || (outLo | 0) !== tceLo);
    if (ret === expect && !tceDiffers) return;
    into.differing++;
    const out = toBig(outHi >>> 0, outLo >>> 0);
    const want = toBig(tceHi >>> 0, tceLo >>> 0);
    into.first ??= `${this.file}:${line}: answered ${ret}${tceDiffers ? ` tce ${hex(out)}` : ''} by ${tierName(tier)}, the trace says ${expect}${tceDiffers ? ` tce ${hex(want)}` : ''}`;
    into.firstAt ??= { line, ret, tier, traceRet: expect, tceDiffers };
  }

  close(): void {
    this.calls?.close();
    this.text?.close();
  }
}

/** The check of a replay of the trace `params` name, filling `into`. */
export function traceAnswerSink(params: WorkloadParams, ramBytes: number, into: TraceAnswerCheck): TraceAnswerSink {
  return new TraceAnswerSink(params['file'] as string, params, ramBytes, into);
}
