/**
 * Each hcall answer of a trace replay checked against the trace, on the main thread: the trace
 * is read a second time in step with the run's completed calls (vCPU 0's, in call order), and
 * every answer (and H_GET_TCE value) that differs from the one QEMU printed is counted, the
 * first one named. In userspace mode none should differ; in the kernel modes a malformed call
 * may be answered otherwise (SPEC §6). RTAS answers are checked by the workload itself (a
 * difference stops the run); machine events (--qemu-event) are not trace calls.
 */
import type { Observable } from 'rxjs';
import type { TcesimEvent } from '../events/events.js';
import { H_GET_TCE } from '../papr/hcalls.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import { hex } from '../papr/u64.js';
import type { WorkloadParams } from '../workload/workload.js';
import { qemuEventsOf } from '../workload/qemu-events.js';
import { parseTableOverrides } from './table-geometry.js';
import { TraceCallStream } from './trace-calls-stream.js';

export interface TraceAnswerCheck {
  checked: number;
  differing: number;
  /** The first difference: its trace line and what differed, or null. */
  first: string | null;
}

export function checkTraceAnswers(events$: Observable<TcesimEvent>, params: WorkloadParams, ramBytes: number, into: TraceAnswerCheck): void {
  const file = params['file'] as string;
  const stream = new TraceCallStream(file, parseTableOverrides(params['tables']), ramBytes);
  const eventCalls = new Set(qemuEventsOf(params).map((e) => e.atCall));
  events$.subscribe({
    next: (e) => {
      if (e.type !== 'hcall-completed' || e.vcpu !== 0 || eventCalls.has(e.seq)) return;
      const c = stream.next();
      if (c === null || c.rtas !== null) return;
      into.checked++;
      const tceDiffers = c.opcode === H_GET_TCE && e.ret === H_SUCCESS && c.ret === H_SUCCESS && e.out !== c.tce;
      if (e.ret === c.ret && !tceDiffers) return;
      into.differing++;
      into.first ??= `${file}:${stream.reader.line}: answered ${e.ret}${tceDiffers ? ` tce ${hex(e.out)}` : ''} by ${e.tier}, the trace says ${c.ret}${tceDiffers ? ` tce ${hex(c.tce)}` : ''}`;
    },
    complete: () => stream.close(),
    error: () => stream.close(),
  });
}
