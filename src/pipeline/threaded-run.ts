/**
 * The pipeline on threads: vCPU workers run real mode inline; a call they give up comes here
 * as one message, goes to the virtual-mode pool (piscina) and, if the kernel gives it up too,
 * to the userspace step on this thread. The pool answers the vCPU itself when it can.
 *
 * A pool worker that dies mid-call is recovered here: the table lock it held is released, the
 * log records it had reserved are padded, a RETRY record is logged, and the call goes to the
 * pool again; it completes exactly once.
 */
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Observable } from 'rxjs';
import type { TcesimEvent } from '../events/events.js';
import { padAbandoned } from '../events/writer.js';
import { F_LOCKED, F_RES_END, F_RES_POS, F_SEQ, F_STATE } from '../papr/frame.js';
import { REASON_WORKER_CRASHED } from '../papr/reasons.js';
import { TIER_VIRTMODE } from '../papr/tiers.js';
import { unlock } from '../shared-memory/lock.js';
import type { KernelTask, PoolSetup } from '../virtmode/pool-worker.js';
import type { PoolSettings } from './pool-settings.js';
import { FRAME_DONE } from './frame-states.js';
import { RunLifecycle } from './run-events.js';
import { RunMachine } from './run-machine.js';
import type { RunOptions } from './run-options.js';
import type { RunResult } from './run-result.js';
import { STEP_NEXT, userspaceStep } from './steps.js';
import type { VcpuTotals } from './vcpu.js';
import type { VcpuMessage, VcpuWorkerSetup } from './vcpu-worker.js';

/** Tries of one call's kernel step before the run gives up on a pool that keeps dying. */
const MAX_KERNEL_ATTEMPTS = 4;
const DRAIN_INTERVAL_MS = 2;
const PROGRESS_INTERVAL_MS = 250;

/**
 * `observe` gets the run's live event stream (drained every few ms) before the first call.
 * `pool` overrides the pool's piscina settings given in `options` (bench/piscina-options.bench.ts).
 */
export async function runThreaded(
  options: RunOptions, lifecycle = new RunLifecycle(), observe?: (events$: Observable<TcesimEvent>) => void,
  pool: Partial<PoolSettings> = {},
): Promise<RunResult> {
  const ps: PoolSettings = {
    threads: options.poolThreads, atomics: options.poolAtomics, concurrentTasksPerWorker: options.poolTasksPerWorker, ...pool,
  };
  const m = new RunMachine(options);
  observe?.(m.stream.events$);
  const n = options.vcpus;
  const control = new SharedArrayBuffer(4 * (1 + n));
  const controlWords = new Int32Array(control);
  const faults = new SharedArrayBuffer(16);
  const poolSetup: PoolSetup = {
    shared: m.shared, ring: m.ring, frames: m.frames, firstTier: m.firstTier, costs: options.costs,
    faults, crashAtWrite: options.crashPoolAtWrite,
  };
  const piscina = new Piscina<KernelTask, number>({
    filename: new URL('../virtmode/pool-worker.js', import.meta.url).href,
    workerData: poolSetup,
    minThreads: ps.threads,
    maxThreads: ps.threads,
    atomics: ps.atomics,
    concurrentTasksPerWorker: ps.concurrentTasksPerWorker,
    idleTimeout: 60_000,
  });
  const frames = Array.from({ length: n }, (_, v) => m.frame(v));
  const totals: VcpuTotals[] = [];
  let crashes = 0;
  let failure: Error | null = null;
  let start = 0;
  let finishedAt = 0;

  const answer = (v: number): void => {
    const f = frames[v]!.f;
    Atomics.store(f, F_STATE, FRAME_DONE);
    Atomics.notify(f, F_STATE);
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

  const hop = async (v: number): Promise<void> => {
    const { f, fd } = frames[v]!;
    const seq = f[F_SEQ] as number;
    for (let attempt = 1; ; attempt++) {
      let r: number;
      try {
        r = await piscina.run({ vcpu: v });
      } catch (e) {
        // Died after answering: the vCPU has its answer (and may be on its next call already).
        if (Atomics.load(f, F_STATE) === FRAME_DONE || f[F_SEQ] !== seq) return;
        recover(v, attempt, e);
        if (attempt >= MAX_KERNEL_ATTEMPTS) throw new Error(`vCPU ${v} call ${f[F_SEQ]}: the virtual-mode pool died ${attempt} times`);
        continue;
      }
      if (r === STEP_NEXT) {
        userspaceStep(m.main, m.qemu, m.hcalls, f, fd);
        answer(v);
      }
      return;
    }
  };

  const workers: Worker[] = [];
  const inFlight = new Set<Promise<void>>();
  const allDone = new Promise<void>((resolve, reject) => {
    const fail = (e: Error): void => {
      failure ??= e;
      reject(e);
    };
    for (let v = 0; v < n; v++) {
      const setup: VcpuWorkerSetup = {
        shared: m.shared, ring: m.ring, frames: m.frames, vcpu: v, vcpus: n, firstTier: m.firstTier,
        workload: options.workload, workloadParams: options.workloadParams, seed: options.seed, calls: options.calls, costs: options.costs, control,
      };
      const w = new Worker(new URL('./vcpu-worker.js', import.meta.url), { workerData: setup });
      w.on('message', (msg: number | VcpuMessage) => {
        if (typeof msg === 'number') {
          const h = hop(msg).catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
          inFlight.add(h);
          void h.finally(() => inFlight.delete(h));
          return;
        }
        totals[msg.totals.vcpu] = msg.totals;
        lifecycle.emit('vcpu-finished', msg.totals);
        if (totals.filter((x) => x !== undefined).length === n) {
          finishedAt = performance.now();
          resolve();
        }
      });
      w.on('error', (e) => fail(new Error(`vCPU ${v} thread failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (totals[v] === undefined) fail(new Error(`vCPU ${v} thread exited with code ${code} before finishing`));
      });
      workers.push(w);
    }
  });

  const drainTimer = setInterval(() => m.drain.drain(), DRAIN_INTERVAL_MS);
  const total = n * options.calls;
  const progressTimer = setInterval(() => {
    let done = 0;
    for (let v = 0; v < n; v++) done += Atomics.load(controlWords, 1 + v);
    lifecycle.emit('progress', done, total);
  }, PROGRESS_INTERVAL_MS);
  lifecycle.emit('run-started', { mode: options.mode, vcpus: n, workload: options.workload, callsPerVcpu: options.calls });
  start = performance.now();
  Atomics.store(controlWords, 0, 1);
  Atomics.notify(controlWords, 0);
  try {
    await allDone;
  } finally {
    clearInterval(drainTimer);
    clearInterval(progressTimer);
    if (failure !== null) await Promise.all(workers.map((w) => w.terminate()));
    // The pool answers a vCPU before its task settles here: let every task settle first.
    await Promise.allSettled([...inFlight]);
    await piscina.destroy();
  }
  m.drain.drain();
  const wallMs = finishedAt - start;
  m.finish(totals, wallMs);
  lifecycle.emit('run-finished', { wallMs, records: m.drain.drained });
  return {
    options, vcpus: totals, wallMs, stats: m.stats, records: m.memory?.words() ?? null,
    recordCount: m.drain.drained, workerCrashes: crashes, sharedTables: m.spec.sharesTables, host: m.hostSummary(),
  };
}
