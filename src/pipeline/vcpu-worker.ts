/**
 * A vCPU thread: makes its workload's calls one at a time. Real mode runs right here; a call
 * real mode gives up goes to the main thread (one message), and this thread sleeps on its
 * frame until whichever tier answers wakes it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RH_TAIL } from '../events/layout.js';
import { EventRing } from '../events/ring.js';
import { F_STATE, F_WALL_F64 } from '../papr/frame.js';
import { FRAME_DONE, FRAME_LOCAL, FRAME_PENDING } from './frame-states.js';
import { STEP_NEXT, wallNowMs } from './steps.js';
import { Vcpu, type VcpuSetup } from './vcpu.js';

export interface VcpuWorkerSetup extends VcpuSetup {
  /** [0] go flag, [1 + vcpu] calls done so far. */
  readonly control: SharedArrayBuffer;
}

export type VcpuMessage = { readonly type: 'done'; readonly totals: Vcpu['totals'] };

const setup = workerData as VcpuWorkerSetup;
const port = parentPort;
if (port === null) throw new Error('vcpu-worker must run as a worker thread');
const control = new Int32Array(setup.control);
const v = new Vcpu(setup);
const ring = new EventRing(setup.ring);
const f = v.f;

/**
 * Keep the ring from filling: outside any hypercall, wait while it is more than half full.
 * (A full ring would make real mode give up with log-full, and paths would depend on timing.)
 */
function backpressure(): void {
  if (ring.used() <= ring.capacity >>> 1) return;
  while (ring.used() > ring.capacity >>> 2) Atomics.wait(ring.header, RH_TAIL, Atomics.load(ring.header, RH_TAIL), 1);
}

while (Atomics.load(control, 0) === 0) Atomics.wait(control, 0, 0, 100);
for (let seq = 0; seq < setup.calls; seq++) {
  if ((seq & 15) === 0) backpressure();
  if (v.begin(seq) === STEP_NEXT) {
    v.fd[F_WALL_F64] = wallNowMs();
    Atomics.store(f, F_STATE, FRAME_PENDING);
    port.postMessage(setup.vcpu);
    while (Atomics.load(f, F_STATE) === FRAME_PENDING) Atomics.wait(f, F_STATE, FRAME_PENDING, 1000);
    if (Atomics.load(f, F_STATE) !== FRAME_DONE) throw new Error(`vCPU ${setup.vcpu}: call ${seq} woke without an answer`);
    Atomics.store(f, F_STATE, FRAME_LOCAL);
  }
  v.end();
  if ((seq & 1023) === 0) Atomics.store(control, 1 + setup.vcpu, seq);
}
Atomics.store(control, 1 + setup.vcpu, setup.calls);
const done: VcpuMessage = { type: 'done', totals: v.totals };
port.postMessage(done);
