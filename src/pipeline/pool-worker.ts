/**
 * The virtual-mode pool worker (piscina): it receives the shared machine, the event ring, the
 * vCPU frames and the hand-off words with its serve task. Its one task is to serve: claim any
 * call a vCPU queued (frame FRAME_KERNEL), run the kernel step, and either answer the vCPU
 * itself or queue the call for the userspace step on the main thread, until the run stops.
 * Between calls it polls the pool's doorbell for a short adaptive window, then sleeps on it
 * (src/shared-memory/halt-poll.ts), so a hop costs a spin when a core is free.
 *
 * It is pipeline wiring, not virtual mode: it joins the kernel step (steps.ts, which calls
 * src/virtmode's dispatch and handlers) to the hand-off words and injects faults, so it lives
 * in the pipeline layer, and virtual mode imports nothing above it.
 *
 * piscina still owns the threads: it starts them, replaces one that dies, and rejects the
 * serve task of a dead worker, which is how the main thread learns to recover the call that
 * worker held (src/pipeline/threaded-run.ts).
 */
import { threadId } from 'node:worker_threads';
import { THREAD_POOL, threadWord } from '../events/layout.js';
import { EventWriter } from '../events/writer.js';
import type { SharedRing } from '../events/ring.js';
import { FRAME_BYTES, FRAME_WORDS } from '../papr/frame.js';
import { F_HOP_F64, F_SLEEPING, F_STATE } from '../shared-memory/frame-slots.js';
import { wake } from '../shared-memory/halt-poll.js';
import { FRAME_DONE, FRAME_KERNEL, FRAME_KERNEL_BUSY, FRAME_USER } from './frame-states.js';
import { H_POOL_BELL, H_POOL_SLEEPERS, H_SERVER, H_STOP, H_USER_BELL, handOffPoll, ringBell, type HandOffSetup } from './hand-off.js';
import { TierMeter, type CostTable } from './costs.js';
import { HOP_TO_POOL, recordHop } from './hop-times.js';
import { sharedClockMs } from '../shared-memory/shared-clock.js';
import { STEP_ANSWERED, kernelStep, type StepContext } from './steps.js';
import type { SharedMachine } from '../shared-memory/shared-machine.js';
import { TceTables } from '../shared-memory/tce-tables.js';

export interface PoolSetup {
  readonly shared: SharedMachine;
  readonly ring: SharedRing;
  readonly frames: SharedArrayBuffer;
  readonly firstTier: number;
  readonly costs: CostTable;
  /** Fault injection: [0] counts the pool's table writes; the write numbered crashAtWrite ends this thread; [1] deaths. */
  readonly faults: SharedArrayBuffer;
  readonly crashAtWrite: number;
  readonly vcpus: number;
  readonly handOff: HandOffSetup;
}

/**
 * A serve task: pool server number `server` (its word in the hand-off words), and the run's
 * setup. The pool starts before the run's machine exists, so that its threads' start-up
 * overlaps the machine's set-up (threaded-run.ts): the setup comes with every serve task (a
 * thread piscina starts in place of a dead one gets it so too).
 */
export interface ServeTask {
  readonly server: number;
  readonly setup: PoolSetup;
}

/** A writer that, for fault injection, ends its thread right after a chosen table write. */
class CrashingWriter extends EventWriter {
  constructor(ring: SharedRing, private readonly faults: Int32Array, private readonly crashAt: number) {
    super(ring, 'wait');
  }
  override recordWrite(hw: boolean, table: number, index: number, oldHi: number, oldLo: number, newHi: number, newLo: number): void {
    super.recordWrite(hw, table, index, oldHi, oldLo, newHi, newLo);
    if (Atomics.add(this.faults, 0, 1) + 1 === this.crashAt) {
      Atomics.add(this.faults, 1, 1); // [1] counts deaths: a worker holding two calls dies once
      process.exit(70);
    }
  }
}

/** One pool thread's side of the run: its tables and writer, the frames and hand-off words. */
class PoolServer {
  private readonly t: TceTables;
  private readonly w: EventWriter;
  private readonly ctx: StepContext;
  private readonly frames: { f: Int32Array; fd: Float64Array }[];
  private readonly words: Int32Array;
  private readonly poll: ReturnType<typeof handOffPoll>;
  private readonly hopTimes: Int32Array;
  private next = 0;

  constructor(readonly setup: PoolSetup) {
    this.t = new TceTables(setup.shared);
    this.w = setup.crashAtWrite > 0
      ? new CrashingWriter(setup.ring, new Int32Array(setup.faults), setup.crashAtWrite)
      : new EventWriter(setup.ring, 'wait');
    this.w.thread = threadWord(THREAD_POOL, threadId);
    this.t.writeLog = this.w;
    this.ctx = { t: this.t, w: this.w, meter: new TierMeter(setup.costs) };
    this.frames = Array.from({ length: setup.vcpus }, (_, v) => ({
      f: new Int32Array(setup.frames, v * FRAME_BYTES, FRAME_WORDS),
      fd: new Float64Array(setup.frames, v * FRAME_BYTES, FRAME_WORDS / 2),
    }));
    this.words = new Int32Array(setup.handOff.words);
    this.poll = handOffPoll(setup.handOff, this.words);
    this.hopTimes = new Int32Array(setup.handOff.hopTimes);
  }

  /** Claim a queued call (round robin from the vCPU after the last one served), or -1. */
  private claim(server: number): number {
    const frames = this.frames;
    const words = this.words;
    const n = frames.length;
    for (let k = 0; k < n; k++) {
      const v = (this.next + k) % n;
      const f = frames[v]!.f;
      if (Atomics.load(f, F_STATE) !== FRAME_KERNEL) continue;
      // Say which call this server holds before it is ours, so a crash right after is recovered.
      Atomics.store(words, H_SERVER + server, v + 1);
      if (Atomics.compareExchange(f, F_STATE, FRAME_KERNEL, FRAME_KERNEL_BUSY) === FRAME_KERNEL) {
        this.next = (v + 1) % n;
        return v;
      }
      Atomics.store(words, H_SERVER + server, 0);
    }
    return -1;
  }

  private serveCall(server: number, v: number): void {
    const { f, fd } = this.frames[v]!;
    const words = this.words;
    recordHop(this.hopTimes, HOP_TO_POOL, fd[F_HOP_F64] as number);
    this.poll.handedOffAt(fd[F_HOP_F64] as number);
    this.w.track(f);
    const r = kernelStep(this.ctx, this.setup.firstTier, f, fd);
    this.w.track(null);
    // The call leaves this server before the server word is cleared: a crash in between finds
    // the frame no longer in the kernel step, and nothing to recover.
    fd[F_HOP_F64] = sharedClockMs();
    if (r === STEP_ANSWERED) {
      Atomics.store(f, F_STATE, FRAME_DONE);
      wake(f, F_STATE, f, F_SLEEPING);
    } else {
      Atomics.store(f, F_STATE, FRAME_USER);
      ringBell(words, H_USER_BELL);
    }
    Atomics.store(words, H_SERVER + server, 0);
  }

  /** Serve calls as pool server `server` until the run stops; answers how many it served. */
  serve(server: number): number {
    const words = this.words;
    let served = 0;
    for (;;) {
      const seen = Atomics.load(words, H_POOL_BELL);
      const v = this.claim(server);
      if (v >= 0) {
        this.serveCall(server, v);
        served++;
        continue;
      }
      if (Atomics.load(words, H_STOP) !== 0) return served;
      // Nothing queued: poll the doorbell, then sleep on it. A call queued after `seen` was read
      // changed the bell, so neither the poll nor the wait misses it.
      this.poll.waitWhile(words, H_POOL_BELL, seen, words, H_POOL_SLEEPERS);
    }
  }
}

/** This thread's server, built from the first serve task's setup. */
let poolServer: PoolServer | null = null;

/** Serve calls until the run stops; answers how many it served. */
export default function serve(task: ServeTask): number {
  poolServer ??= new PoolServer(task.setup);
  return poolServer.serve(task.server);
}
