/**
 * A vCPU thread: makes its workload's calls one at a time. Real mode runs right here; a call
 * real mode gives up is queued in its frame for the virtual-mode pool (the pool's doorbell
 * rung), and this thread waits on its frame until whichever tier answers: polling it for a
 * short adaptive window, then sleeping (halt-poll.ts).
 *
 * In mode userspace there is no in-kernel table: the kernel step would only pass the call on
 * (steps.ts), so the call is queued for the userspace step on the main thread directly, which
 * runs that pass-through itself. In KVM too the exit to userspace is taken on the vCPU's own
 * host thread; a pool thread in between would only add a hop, not a path or a modelled cost.
 */
import { parentPort } from 'node:worker_threads';
import { RH_TAIL } from '../events/layout.js';
import { EventRing } from '../events/ring.js';
import { F_HOP_F64, F_SLEEPING, F_STATE, F_WALL_F64 } from '../shared-memory/frame-slots.js';
import { FRAME_DONE, FRAME_KERNEL, FRAME_LOCAL, FRAME_USER_ENTRY, STOP_CALLS } from './frame-states.js';
import { TIER_USERSPACE } from '../papr/tiers.js';
import { H_POOL_BELL, H_USER_BELL, handOffPoll, ringBell, type HandOffSetup } from './hand-off.js';
import { HOP_TO_VCPU, recordHop } from './hop-times.js';
import { sharedClockMs } from '../shared-memory/shared-clock.js';
import { STEP_NEXT, wallNowMs } from './steps.js';
import { Vcpu, type VcpuSetup } from './vcpu.js';
import { loadWorkload } from '../workload/load.js';
import type { WorkloadSpec } from '../workload/workload.js';

export interface VcpuWorkerSetup extends VcpuSetup {
  /** [0] go flag, [1 + vcpu] calls done so far. */
  readonly control: SharedArrayBuffer;
  readonly handOff: HandOffSetup;
}

/** Before the setup: the workload the run will most likely make, to import while waiting. */
export interface VcpuPreload {
  readonly type: 'preload';
  readonly workload: string;
}

/**
 * A vCPU's last message. `quarterAtMs` and `doneAtMs` (sharedClockMs) are when it had made a
 * quarter of its calls and all of them (RunResult.steadyCallsPerSec); `afterQuarter` is how
 * many it made in between.
 */
export type VcpuMessage = {
  readonly type: 'done'; readonly totals: Vcpu['totals']; readonly quarterAtMs: number; readonly doneAtMs: number; readonly afterQuarter: number;
};

const port = parentPort;
if (port === null) throw new Error('vcpu-worker must run as a worker thread');
/** The workload module asked for last (a preload hint, then the setup's), loading or loaded. */
let loading: { readonly name: string; readonly spec: Promise<WorkloadSpec> } | null = null;
function workload(name: string): Promise<WorkloadSpec> {
  if (loading?.name !== name) loading = { name, spec: loadWorkload(name) };
  return loading.spec;
}
// Started before the run's machine exists, so that this start-up overlaps the main thread's
// set-up (threaded-run.ts): the setup comes by message, after a hint of the workload to load
// meanwhile (run-threads.ts; a wrong hint costs only its import).
const setup = await new Promise<VcpuWorkerSetup>((resolve) => {
  const next = (msg: VcpuPreload | VcpuWorkerSetup): void => {
    if ('type' in msg) {
      // A failed import is the setup's to report, if it names that workload.
      workload(msg.workload).catch(() => undefined);
      port.once('message', next);
    } else {
      resolve(msg);
    }
  };
  port.once('message', next);
});
const control = new Int32Array(setup.control);
const v = new Vcpu(setup, await workload(setup.workload));
const ring = new EventRing(setup.ring);
const f = v.f;
const words = new Int32Array(setup.handOff.words);
const poll = handOffPoll(setup.handOff, words);
const hopTimes = new Int32Array(setup.handOff.hopTimes);
/** Where a call that leaves this thread is queued, and whose doorbell is rung. */
const toUser = setup.firstTier === TIER_USERSPACE;
const queued = toUser ? FRAME_USER_ENTRY : FRAME_KERNEL;
const bell = toUser ? H_USER_BELL : H_POOL_BELL;

/**
 * Keep the ring from filling: outside any hypercall, wait while it is more than half full.
 * (A full ring would make real mode give up with log-full, and paths would depend on timing.)
 */
function backpressure(): void {
  if (ring.used() <= ring.capacity >>> 1) return;
  while (ring.used() > ring.capacity >>> 2) Atomics.wait(ring.header, RH_TAIL, Atomics.load(ring.header, RH_TAIL), 1);
}

/**
 * Make calls [from, to); false when the run was stopped first. A function, not module-level
 * code: V8 keeps a module's top-level bindings in a context object, so this loop at top level
 * boxed a number on nearly every assignment (about a kilobyte of garbage per call, measured
 * with the sampling heap profiler); as a function's locals they live in registers.
 */
function makeCalls(from: number, to: number): boolean {
  for (let seq = from; seq < to; seq++) {
    if ((seq & 15) === 0) {
      if (Atomics.load(control, 0) === STOP_CALLS) return false;
      backpressure();
    }
    if (v.begin(seq) === STEP_NEXT) {
      v.fd[F_WALL_F64] = wallNowMs();
      v.fd[F_HOP_F64] = sharedClockMs();
      Atomics.store(f, F_STATE, queued);
      ringBell(words, bell);
      poll.waitFor(f, F_STATE, FRAME_DONE, f, F_SLEEPING);
      recordHop(hopTimes, HOP_TO_VCPU, v.fd[F_HOP_F64] as number);
      poll.handedOffAt(v.fd[F_HOP_F64] as number);
      Atomics.store(f, F_STATE, FRAME_LOCAL);
    }
    v.end();
    if ((seq & 1023) === 0) Atomics.store(control, 1 + setup.vcpu, seq);
  }
  return true;
}

let quarterAtMs = NaN;
while (Atomics.load(control, 0) === 0) Atomics.wait(control, 0, 0, 100);
// Two loops, the quarter's stamp between them: a stamp taken inside the loop, at a call no
// earlier pass had made, threw V8's optimized loop back to the interpreter a quarter of the
// way through (and compiled it again).
const quarter = setup.calls >>> 2;
if (makeCalls(0, quarter)) {
  quarterAtMs = sharedClockMs();
  makeCalls(quarter, setup.calls);
}
const done: VcpuMessage = {
  type: 'done', totals: v.totals, quarterAtMs, doneAtMs: sharedClockMs(), afterQuarter: v.totals.calls - quarter,
};
Atomics.store(control, 1 + setup.vcpu, setup.calls);
port.postMessage(done);
