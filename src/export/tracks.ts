/**
 * Where each piece of a call is drawn. Every simulator thread is a process in the trace (the
 * vCPUs together, each virtual-mode pool worker, the main thread) and inside it there is one
 * track per vCPU whose calls it worked on.
 *
 * Why per vCPU: the timeline is the modelled one, and each vCPU has its own modelled clock
 * (docs/modelled-time.md). A pool worker serves every vCPU, so the work it did for vCPU 0 and
 * for vCPU 1 lies on two clocks that may overlap; spans on one track must nest (Perfetto
 * misdraws spans that partly overlap), so each clock gets its own track. Within one track the
 * spans follow one vCPU's calls, which never overlap, in order.
 */
import type { ThreadRef } from '../events/events.js';
import type { TraceSink, TrackId } from './trace-events.js';

/** The vCPU threads (real mode, and every call's own span). */
const PID_VCPUS = 1;
/** The main thread (the QEMU model; in an inline run also virtual mode). */
const PID_MAIN = 2;
/** A pool worker's process id is this plus its Node.js thread id. */
export const PID_POOL_BASE = 100;
/** Track ids are unique across the trace: pid × this + vCPU (vCPUs number at most 64). */
const TIDS_PER_PID = 1000;
/** Sorts the main thread after every pool worker (thread ids fit in 16 bits). */
const MAIN_SORT_INDEX = 1 << 17;

export class TrackMap {
  private readonly named = new Set<number>();
  private readonly processes = new Set<number>();

  constructor(private readonly sink: TraceSink) {}

  /** Tracks named so far. */
  get count(): number {
    return this.named.size;
  }

  /** The track of the work `thread` did for vCPU `vcpu`, named (metadata events) the first time it is asked for. */
  track(thread: ThreadRef, vcpu: number): TrackId {
    const pid = thread.kind === 'vcpu' ? PID_VCPUS : thread.kind === 'main' ? PID_MAIN : PID_POOL_BASE + thread.id;
    const tid = pid * TIDS_PER_PID + vcpu;
    if (!this.named.has(tid)) this.name(thread, pid, tid, vcpu);
    return { pid, tid };
  }

  private name(thread: ThreadRef, pid: number, tid: number, vcpu: number): void {
    this.named.add(tid);
    if (!this.processes.has(pid)) {
      this.processes.add(pid);
      const [name, sort] = thread.kind === 'vcpu' ? ['vCPUs', 0]
        : thread.kind === 'main' ? ['main thread', MAIN_SORT_INDEX]
        : [`virtual-mode pool worker (thread ${thread.id})`, 1 + thread.id];
      // Process metadata carries the tid of a real track: a made-up one (0 is the idle thread
      // to Perfetto) would add a thread that holds nothing.
      this.sink({ ph: 'M', name: 'process_name', pid, tid, args: { name } });
      this.sink({ ph: 'M', name: 'process_sort_index', pid, tid, args: { sort_index: sort } });
    }
    const name = thread.kind === 'vcpu' ? `vCPU ${vcpu}`
      : thread.kind === 'main' ? `main for vCPU ${vcpu}`
      : `worker ${thread.id} for vCPU ${vcpu}`;
    this.sink({ ph: 'M', name: 'thread_name', pid, tid, args: { name } });
    this.sink({ ph: 'M', name: 'thread_sort_index', pid, tid, args: { sort_index: vcpu } });
  }
}
