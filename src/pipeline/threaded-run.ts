/**
 * The pipeline on threads: vCPU workers run real mode inline; a call they give up is queued
 * in its frame for the virtual-mode pool (piscina threads, each running one serve task) and,
 * if the kernel gives it up too, for the userspace step on this thread. The pool answers the
 * vCPU itself when it can. Every hand-off goes through shared memory: the receiver polls for a
 * short adaptive window, then sleeps (halt-poll.ts, hand-off.ts). This thread serves the
 * userspace step in short synchronous slices (a blocking Atomics.wait, no turn of the event
 * loop per call) and lets its event loop run between them (user-loop.ts).
 *
 * A pool worker that dies mid-call is recovered here when piscina rejects its serve task: the
 * table lock it held is released, the log records it had reserved are padded, a RETRY record
 * is logged, the call is queued for the pool again and a new serve task replaces the dead
 * one; the call completes exactly once.
 */
import type { Observable } from 'rxjs';
import type { TcesimEvent } from '../events/events.js';
import { padAbandoned } from '../events/writer.js';
import { F_SEQ } from '../papr/frame.js';
import { F_HOP_F64, F_LOCKED, F_RES_END, F_RES_POS, F_SLEEPING, F_STATE } from '../shared-memory/frame-slots.js';
import { wake } from '../shared-memory/halt-poll.js';
import { REASON_WORKER_CRASHED } from '../papr/reasons.js';
import { TIER_VIRTMODE } from '../papr/tiers.js';
import { unlock } from '../shared-memory/lock.js';
import type { PoolSetup } from './pool-worker.js';
import { startRunThreads, stopRunThreads, threadsFit, type RunThreads } from './run-threads.js';
import type { PoolSettings } from './pool-settings.js';
import { defaultUserLoopSettings, type UserLoopSettings } from './user-loop.js';
import { FRAME_DONE, FRAME_KERNEL, FRAME_KERNEL_BUSY, FRAME_USER, FRAME_USER_ENTRY, STOP_CALLS } from './frame-states.js';
import { watchCores } from './core-watch.js';
import { allocateHandOff, H_CROWDED, H_POOL_BELL, H_SERVER, H_STOP, H_USER_BELL, H_USER_SLEEPERS, handOffPoll, MAX_POOL_SERVERS, ringBell } from './hand-off.js';
import { HOP_TO_USER, HOP_VCPU_TO_USER, hopSummaries, recordHop } from './hop-times.js';
import { sharedClockMs } from '../shared-memory/shared-clock.js';
import { RunLifecycle } from './run-events.js';
import { RunMachine } from './run-machine.js';
import { checkRunOptions, type RunOptions } from './run-options.js';
import type { RunResult } from './run-result.js';
import { STEP_NEXT, kernelStep, userspaceStep } from './steps.js';
import type { VcpuTotals } from './vcpu.js';
import type { VcpuMessage, VcpuWorkerSetup } from './vcpu-worker.js';

/** Tries of one call's kernel step before the run gives up on a pool that keeps dying. */
const MAX_KERNEL_ATTEMPTS = 4;
const DRAIN_INTERVAL_MS = 2;

type WaitAsync = (word: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string };
/** Atomics.waitAsync (ES2024, in Node 20; not in this project's ES2022 lib types). */
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
const PROGRESS_INTERVAL_MS = 250;

/**
 * `observe` gets the run's live event stream (drained every few ms) before the first call.
 * `pool` overrides the pool's piscina settings given in `options` (bench/piscina-options.bench.ts).
 * `threads`, started earlier (run-threads.ts), are used when they fit the run, else stopped.
 */
export async function runThreaded(
  options: RunOptions, lifecycle = new RunLifecycle(), observe?: (events$: Observable<TcesimEvent>) => void,
  pool: Partial<PoolSettings> = {}, userLoopSettings: Partial<UserLoopSettings> = {}, threads?: RunThreads,
): Promise<RunResult> {
  const us: UserLoopSettings = { ...defaultUserLoopSettings(), ...userLoopSettings };
  const ps: PoolSettings = {
    threads: options.poolThreads, atomics: options.poolAtomics, concurrentTasksPerWorker: options.poolTasksPerWorker, ...pool,
  };
  checkRunOptions(options);
  if (ps.threads > MAX_POOL_SERVERS) throw new RangeError(`pool threads ${ps.threads} must be at most ${MAX_POOL_SERVERS}`);
  const n = options.vcpus;
  // The vCPU threads and the pool start first (run-threads.ts), unless they were started
  // already for this run (`threads`): their start-up then overlaps the machine's set-up here
  // (a trace's pre-scan, the shared memory).
  let started: RunThreads | null = null;
  if (threads !== undefined && threadsFit(threads, n, ps)) started = threads;
  else if (threads !== undefined) await stopRunThreads(threads);
  let m: RunMachine;
  try {
    started ??= startRunThreads(n, ps, options.workload);
    m = new RunMachine(options);
  } catch (e) {
    // A set-up that failed: the started threads are stopped before the error goes on.
    if (started !== null) await stopRunThreads(started);
    throw e;
  }
  const { workers, pool: piscina } = started;
  for (const w of workers) w.ref();
  observe?.(m.stream.events$);
  const control = new SharedArrayBuffer(4 * (1 + n));
  const controlWords = new Int32Array(control);
  const faults = new SharedArrayBuffer(16);
  const handOff = allocateHandOff(options.pollUs);
  const words = new Int32Array(handOff.words);
  const faultWords = new Int32Array(faults);
  const poolSetup: PoolSetup = {
    shared: m.shared, ring: m.ring, frames: m.frames, firstTier: m.firstTier, costs: options.costs,
    faults, crashAtWrite: options.crashPoolAtWrite, vcpus: n, handOff,
  };
  // A stop (signal, failed log): the vCPUs see it between calls and finish early (vcpu-worker.ts).
  lifecycle.on('stop', () => {
    Atomics.store(controlWords, 0, STOP_CALLS);
    Atomics.notify(controlWords, 0);
  });
  if (m.file !== null) m.file.onFailure = () => lifecycle.emit('stop', 'the event log failed');
  const frames = Array.from({ length: n }, (_, v) => m.frame(v));
  const totals: VcpuTotals[] = [];
  const steady: VcpuMessage[] = [];
  let crashes = 0;
  // Set from callbacks: the assertion keeps TypeScript from narrowing it to null.
  let failure = null as Error | null;
  let finishedAt = 0;

  const hopTimes = new Int32Array(handOff.hopTimes);
  const answer = (v: number): void => {
    const { f, fd } = frames[v]!;
    fd[F_HOP_F64] = sharedClockMs();
    Atomics.store(f, F_STATE, FRAME_DONE);
    wake(f, F_STATE, f, F_SLEEPING);
  };

  /** A pool worker died with vCPU v's call: free what it held, log the retry. */
  const recover = (v: number, attempt: number, error: unknown): void => {
    const f = frames[v]!.f;
    const locked = f[F_LOCKED] as number;
    if (locked !== 0) {
      padAbandoned(m.drain.ring, f[F_RES_POS] as number, f[F_RES_END] as number);
      unlock(m.tables.control, m.tables.lockIndex(locked - 1));
      f[F_LOCKED] = 0;
    }
    crashes++;
    m.writer.bind(v, f[F_SEQ] as number, TIER_VIRTMODE);
    m.writer.retry(TIER_VIRTMODE, REASON_WORKER_CRASHED, attempt);
    lifecycle.emit('worker-crashed', { vcpu: v, seq: f[F_SEQ] as number, attempt, error: String(error) });
  };

  /** Which call of each vCPU was retried, and how often (MAX_KERNEL_ATTEMPTS). */
  const attempts = frames.map(() => ({ seq: -1, count: 0 }));
  let stopping = false;

  /** Pool server i's worker died: queue the call it held again, once recovered. */
  const serverDied = (i: number, error: unknown): void => {
    const v = Atomics.exchange(words, H_SERVER + i, 0) - 1;
    if (v < 0) return;
    const f = frames[v]!.f;
    // Died after answering or handing on: the call has gone on without it (and the vCPU's
    // next call, if another server holds it, is that server's).
    if (Atomics.load(f, F_STATE) !== FRAME_KERNEL_BUSY) return;
    for (let k = 0; k < ps.threads; k++) if (k !== i && Atomics.load(words, H_SERVER + k) === v + 1) return;
    const a = attempts[v]!;
    const seq = f[F_SEQ] as number;
    if (a.seq !== seq) {
      a.seq = seq;
      a.count = 0;
    }
    a.count++;
    recover(v, a.count, error);
    if (a.count >= MAX_KERNEL_ATTEMPTS) throw new Error(`vCPU ${v} call ${seq}: the virtual-mode pool died ${a.count} times`);
    frames[v]!.fd[F_HOP_F64] = sharedClockMs();
    Atomics.store(f, F_STATE, FRAME_KERNEL);
    ringBell(words, H_POOL_BELL);
  };

  /** Pool server i: one serve task at a time on a piscina thread, replaced when its worker dies. */
  const server = async (i: number): Promise<void> => {
    for (;;) {
      try {
        await piscina.run({ server: i, setup: poolSetup });
        return;
      } catch (e) {
        serverDied(i, e);
        if (stopping) return;
      }
    }
  };

  /** Answer every call queued for userspace; how many there were. */
  const serveUser = (): number => {
    let served = 0;
    for (let v = 0; v < n; v++) {
      const { f, fd } = frames[v]!;
      const state = Atomics.load(f, F_STATE);
      if (state !== FRAME_USER && state !== FRAME_USER_ENTRY) continue;
      recordHop(hopTimes, state === FRAME_USER ? HOP_TO_USER : HOP_VCPU_TO_USER, fd[F_HOP_F64] as number);
      mainPoll.handedOffAt(fd[F_HOP_F64] as number);
      // Straight from the vCPU (mode userspace): the kernel step only passes it on (logging
      // what real mode could not, adding the kernel entry's cost).
      if (state !== FRAME_USER_ENTRY || kernelStep(m.main, m.firstTier, f, fd) === STEP_NEXT) userspaceStep(m.main, m.qemu, m.hcalls, f, fd);
      answer(v);
      served++;
    }
    return served;
  };

  /**
   * This thread's side (user-loop.ts): serve userspace calls in slices, polling and then
   * blocking in Atomics.wait within a slice, letting the event loop run between slices; after
   * a few empty slices, wait with Atomics.waitAsync until calls come again.
   */
  const mainPoll = handOffPoll(handOff, words);
  const serveSlice = (end: number): number => {
    let served = 0;
    for (;;) {
      const seen = Atomics.load(words, H_USER_BELL);
      const k = serveUser();
      served += k;
      const t0 = performance.now();
      if (t0 >= end || stopping) return served;
      if (k > 0) continue;
      mainPoll.beginWait();
      if (mainPoll.poll(words, H_USER_BELL, seen, false)) continue;
      Atomics.add(words, H_USER_SLEEPERS, 1);
      const r = Atomics.wait(words, H_USER_BELL, seen, end - t0);
      Atomics.sub(words, H_USER_SLEEPERS, 1);
      if (r !== 'timed-out') mainPoll.sleptUntilNow();
    }
  };
  const userLoop = async (): Promise<void> => {
    let idle = 0;
    let lastYield = performance.now();
    while (!stopping) {
      if (idle < us.idleSlices) {
        idle = serveSlice(performance.now() + us.sliceMs) > 0 ? 0 : idle + 1;
        await new Promise<void>((r) => setImmediate(r));
        lastYield = performance.now();
        continue;
      }
      const seen = Atomics.load(words, H_USER_BELL);
      if (serveUser() > 0) {
        idle = 0;
        if (performance.now() - lastYield > us.sliceMs) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = performance.now();
        }
        continue;
      }
      mainPoll.beginWait();
      if (mainPoll.poll(words, H_USER_BELL, seen, false)) continue;
      Atomics.add(words, H_USER_SLEEPERS, 1);
      const r = waitAsync(words, H_USER_BELL, seen, us.asyncSleepMs);
      if (r.async) await r.value;
      Atomics.sub(words, H_USER_SLEEPERS, 1);
      mainPoll.sleptUntilNow();
      lastYield = performance.now();
    }
  };

  let fail: (e: Error) => void = () => undefined;
  const allDone = new Promise<void>((resolve, reject) => {
    fail = (e: Error): void => {
      failure ??= e;
      reject(e);
    };
    for (let v = 0; v < n; v++) {
      const setup: VcpuWorkerSetup = {
        shared: m.shared, ring: m.ring, frames: m.frames, vcpu: v, vcpus: n, firstTier: m.firstTier,
        workload: options.workload, workloadParams: options.workloadParams, seed: options.seed, calls: options.calls, costs: options.costs, control,
        handOff,
      };
      const w = workers[v]!;
      w.postMessage(setup);
      w.on('message', (msg: VcpuMessage) => {
        totals[msg.totals.vcpu] = msg.totals;
        steady.push(msg);
        lifecycle.emit('vcpu-finished', msg.totals);
        if (Object.keys(totals).length === n) { // the sparse array's keys: the vCPUs that have reported
          finishedAt = performance.now();
          resolve();
        }
      });
      w.on('error', (e) => fail(new Error(`vCPU ${v} thread failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (totals[v] === undefined) fail(new Error(`vCPU ${v} thread exited with code ${code} before finishing`));
      });
    }
  });

  const drainTimer = setInterval(() => m.drain.drain(), DRAIN_INTERVAL_MS);
  const stopWatch = options.pollUs > 0 ? watchCores(words, H_CROWDED) : () => undefined;
  const total = n * options.calls;
  const progressTimer = setInterval(() => {
    let done = 0;
    for (let v = 0; v < n; v++) done += Atomics.load(controlWords, 1 + v);
    lifecycle.emit('progress', done, total);
  }, PROGRESS_INTERVAL_MS);
  lifecycle.emit('run-started', { mode: options.mode, vcpus: n, workload: options.workload, callsPerVcpu: options.calls });
  const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
  const servers = Array.from({ length: ps.threads }, (_, i) => server(i).catch((e: unknown) => fail(toError(e))));
  const user = userLoop().catch((e: unknown) => fail(toError(e)));
  const start = performance.now();
  Atomics.store(controlWords, 0, 1);
  Atomics.notify(controlWords, 0);
  try {
    await allDone;
  } finally {
    clearInterval(drainTimer);
    clearInterval(progressTimer);
    stopWatch();
    if (failure !== null) await Promise.all(workers.map((w) => w.terminate()));
    // Every vCPU has its answers (or the run failed): stop the servers and this thread's loop.
    stopping = true;
    Atomics.store(words, H_STOP, 1);
    Atomics.add(words, H_POOL_BELL, 1);
    Atomics.notify(words, H_POOL_BELL);
    Atomics.add(words, H_USER_BELL, 1);
    Atomics.notify(words, H_USER_BELL);
    await Promise.allSettled([...servers, user]);
    await piscina.destroy();
  }
  m.drain.drain();
  const wallMs = finishedAt - start;
  m.finish(totals, wallMs);
  lifecycle.emit('run-finished', { wallMs, records: m.drain.drained });
  return {
    options, vcpus: totals, wallMs, stats: m.stats, records: m.memory?.words() ?? null,
    // Deaths, not recovered calls: an injected death is counted by the worker that dies.
    recordCount: m.drain.drained, workerCrashes: Atomics.load(faultWords, 1) || crashes, sharedTables: m.spec.sharesTables, host: m.hostSummary(),
    poolWrites: Atomics.load(faultWords, 0), hops: hopSummaries(hopTimes), ...steadyRate(steady),
  };
}

/** RunResult.steadyCallsPerSec from the vCPUs' quarter and end stamps (none when a vCPU has no quarter mark or stopped early). */
function steadyRate(done: readonly VcpuMessage[]): { steadyCallsPerSec?: number } {
  if (done.length === 0 || done.some((d) => !Number.isFinite(d.quarterAtMs) || d.afterQuarter <= 0)) return {};
  const from = Math.min(...done.map((d) => d.quarterAtMs));
  const to = Math.max(...done.map((d) => d.doneAtMs));
  const calls = done.reduce((a, d) => a + d.afterQuarter, 0);
  return to > from ? { steadyCallsPerSec: (calls * 1000) / (to - from) } : {};
}
