/**
 * The virtual-mode pool worker (piscina): it receives the shared machine, the event ring and
 * the vCPU frames once, in workerData; a task carries only the number of the vCPU whose frame
 * holds the call. It runs the kernel step and, when it answers, wakes the vCPU itself.
 */
import { threadId } from 'node:worker_threads';
import { workerData } from 'piscina';
import { THREAD_POOL, threadWord } from '../events/layout.js';
import { EventWriter } from '../events/writer.js';
import type { SharedRing } from '../events/ring.js';
import { F_STATE, FRAME_BYTES, FRAME_WORDS } from '../papr/frame.js';
import { TierMeter, type CostTable } from '../pipeline/costs.js';
import { FRAME_DONE } from '../pipeline/frame-states.js';
import { STEP_ANSWERED, kernelStep, type StepContext } from '../pipeline/steps.js';
import { TceTables, type SharedMachine } from '../shared-memory/tce-tables.js';

export interface PoolSetup {
  readonly shared: SharedMachine;
  readonly ring: SharedRing;
  readonly frames: SharedArrayBuffer;
  readonly firstTier: number;
  readonly costs: CostTable;
  /** Fault injection: [0] counts the pool's table writes; the write numbered crashAtWrite ends this thread. */
  readonly faults: SharedArrayBuffer;
  readonly crashAtWrite: number;
}

export interface KernelTask {
  readonly vcpu: number;
}

/** A writer that, for fault injection, ends its thread right after a chosen table write. */
class CrashingWriter extends EventWriter {
  constructor(ring: SharedRing, private readonly faults: Int32Array, private readonly crashAt: number) {
    super(ring, 'wait');
  }
  override recordWrite(hw: boolean, table: number, index: number, oldHi: number, oldLo: number, newHi: number, newLo: number): void {
    super.recordWrite(hw, table, index, oldHi, oldLo, newHi, newLo);
    if (Atomics.add(this.faults, 0, 1) + 1 === this.crashAt) process.exit(70);
  }
}

const setup = workerData as PoolSetup;
const t = new TceTables(setup.shared);
const w = setup.crashAtWrite > 0
  ? new CrashingWriter(setup.ring, new Int32Array(setup.faults), setup.crashAtWrite)
  : new EventWriter(setup.ring, 'wait');
w.thread = threadWord(THREAD_POOL, threadId);
t.writeLog = w;
const ctx: StepContext = { t, w, meter: new TierMeter(setup.costs) };

export default function kernelTask(task: KernelTask): number {
  const f = new Int32Array(setup.frames, task.vcpu * FRAME_BYTES, FRAME_WORDS);
  const fd = new Float64Array(setup.frames, task.vcpu * FRAME_BYTES, FRAME_WORDS / 2);
  w.track(f);
  const r = kernelStep(ctx, setup.firstTier, f, fd);
  w.track(null);
  if (r === STEP_ANSWERED) {
    Atomics.store(f, F_STATE, FRAME_DONE);
    Atomics.notify(f, F_STATE);
  }
  return r;
}
