/**
 * The threads of a threaded run, started apart from the run: the vCPU workers and the
 * virtual-mode pool (piscina). A thread's start-up is a new V8 isolate that loads its modules
 * (measured here: ~150 ms for one vCPU thread alone, 400-650 ms for four at once on 2 cores),
 * and nothing in it depends on the run's options: a vCPU gets its setup by message
 * (vcpu-worker.ts), a pool thread with its serve task (pool-worker.ts). So the threads can
 * start before the run's machine is set up, and the CLI starts them before it has even loaded
 * the rest of its own modules (src/cli/early-threads.ts), when it can tell how many a run needs.
 *
 * Started threads do not keep the process alive (they are unref'd) until a run adopts them:
 * a command that fails before its run starts exits as if they had never been started.
 */
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { PoolSettings } from './pool-settings.js';
import type { ServeTask } from './pool-worker.js';
import type { VcpuPreload } from './vcpu-worker.js';

export interface RunThreads {
  readonly workers: readonly Worker[];
  readonly pool: Piscina<ServeTask, number>;
  readonly settings: PoolSettings;
}

/**
 * Start `vcpus` vCPU threads and the pool `settings` describe; the vCPU threads import
 * `workload`'s module while they wait for their setup (src/workload/load.ts).
 */
export function startRunThreads(vcpus: number, settings: PoolSettings, workload: string): RunThreads {
  const workers = Array.from({ length: vcpus }, () => new Worker(new URL('./vcpu-worker.js', import.meta.url)));
  const hint: VcpuPreload = { type: 'preload', workload };
  for (const w of workers) {
    w.postMessage(hint);
    w.unref();
  }
  let pool: Piscina<ServeTask, number>;
  try {
    pool = new Piscina<ServeTask, number>({
      filename: new URL('./pool-worker.js', import.meta.url).href,
      minThreads: settings.threads,
      maxThreads: settings.threads,
      atomics: settings.atomics,
      concurrentTasksPerWorker: settings.concurrentTasksPerWorker,
      idleTimeout: 60_000,
    });
  } catch (e) {
    for (const w of workers) void w.terminate();
    throw e;
  }
  return { workers, pool, settings };
}

/** Whether `threads` are what a run of `vcpus` vCPUs with pool `settings` needs. */
export function threadsFit(threads: RunThreads, vcpus: number, settings: PoolSettings): boolean {
  const s = threads.settings;
  return threads.workers.length === vcpus && s.threads === settings.threads && s.atomics === settings.atomics &&
    s.concurrentTasksPerWorker === settings.concurrentTasksPerWorker;
}

/** Stop every thread of `threads`. */
export async function stopRunThreads(threads: RunThreads): Promise<void> {
  await Promise.all([...threads.workers.map((w) => w.terminate()), threads.pool.destroy()]);
}
