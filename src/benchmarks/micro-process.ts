/**
 * The in-thread rows measured across several worker processes, one after the other, as pyperf
 * does: within one process the samples only show that process's noise, while from one process
 * to the next the JIT, the memory layout and the host's load change, and that variation is what
 * a comparison of two builds must judge against. Each process gives one figure per row (its
 * fastest batch, ns per call) and its ratio to the bare locked store's fastest batch in the same
 * process, which cancels what slows the whole process down (load, frequency).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CostTable } from '../pipeline/costs.js';
import type { DelaySettings, MicroSettings } from './config.js';
import type { MicroWorkerAnswer, MicroWorkerJob } from './micro-worker.js';

const WORKER = fileURLToPath(new URL('./micro-worker.js', import.meta.url));

export interface MicroProcesses {
  /** Row name -> one figure (fastest batch, ns/call) per process. */
  readonly perProcess: ReadonlyMap<string, number[]>;
  /** Row name -> its paired ratio to the bare store, one per process (rows other than the store). */
  readonly storeRatios: ReadonlyMap<string, number[]>;
  /** Samples tinybench took per row, summed over the processes. */
  readonly samples: ReadonlyMap<string, number>;
  readonly processes: number;
  /** Runs that could not start a process and ran in a worker thread instead (see runThread). */
  readonly threads: number;
}

/**
 * The job in a worker thread (its own V8 isolate: its own JIT decisions and heap, but the
 * parent's V8 flags), for when no process can be started: a parent with a very large address space (a test runner that has made
 * many machines) cannot fork under the kernel's overcommit heuristic (ENOMEM).
 */
function runThread(job: MicroWorkerJob): Promise<MicroWorkerAnswer> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { workerData: job });
    let answer: MicroWorkerAnswer | null = null;
    w.on('message', (a: MicroWorkerAnswer) => { answer = a; });
    w.on('error', reject);
    w.on('exit', (code) => (answer !== null ? resolve(answer) : reject(new Error(`benchmark worker thread exited ${code} without figures`))));
  });
}

/**
 * V8 flags of every worker process. Without concurrent recompilation, optimized code is built on
 * the main thread when a function gets hot, instead of on a background thread and installed
 * whenever that thread got a core: on a loaded machine that timing changed which code each
 * process ended up running, and a row's figure with it (H_STUFF_TCE npages=1 read 7.5-10.1x the
 * store from one process to the next, 8.0-8.5x with this flag; H_GET_TCE switched from 1.64 to
 * 1.44 midway through one process). With it, what a process compiles depends on the code it
 * runs, which is what a comparison of two builds is about, far more than on the host's load.
 */
const WORKER_V8_FLAGS: readonly string[] = ['--no-concurrent-recompilation'];

function runWorker(job: MicroWorkerJob, onThreads: () => void): Promise<MicroWorkerAnswer> {
  return new Promise((resolve, reject) => {
    const cannotFork = (e: NodeJS.ErrnoException): void => {
      if (e.code !== 'ENOMEM' && e.code !== 'EAGAIN') {
        reject(e);
        return;
      }
      onThreads();
      runThread(job).then(resolve, reject);
    };
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(process.execPath, [...WORKER_V8_FLAGS, WORKER, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin.end();
    } catch (e) {
      // Under memory pressure spawn can throw ENOMEM itself rather than emit it (seen in npm test).
      cannotFork(e as NodeJS.ErrnoException);
      return;
    }
    child.on('error', cannotFork);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code, signal) => {
      if (code === null && signal === null) return; // never started: the error handler answers
      if (code !== 0) {
        reject(new Error(`benchmark worker process ${signal !== null ? `killed by ${signal}` : `exited ${code}`}: ${err.trim().split('\n').at(-1) ?? ''}`));
        return;
      }
      try {
        resolve(JSON.parse(out) as MicroWorkerAnswer);
      } catch {
        reject(new Error(`benchmark worker process answered ${JSON.stringify(out.slice(0, 200))}`));
      }
    });
  });
}

/** Runs `rows` in `processes` worker processes, one at a time (two at once would time each other). */
export async function runMicroProcesses(
  rows: readonly string[], settings: MicroSettings, delay: DelaySettings | null, costs: CostTable, processes: number,
  progress: (line: string) => void = () => undefined,
): Promise<MicroProcesses> {
  const perProcess = new Map<string, number[]>(rows.map((r) => [r, []]));
  const samples = new Map<string, number>(rows.map((r) => [r, 0]));
  const storeRatios = new Map<string, number[]>();
  const job: MicroWorkerJob = {
    rows, settings, costs, delay: delay === null ? null : { rows: delay.rows.source, percent: delay.percent },
  };
  let threads = 0;
  for (let p = 0; p < processes; p++) {
    progress(`in-thread rows: worker process ${p + 1}/${processes}`);
    const answer = await runWorker(job, () => { threads++; });
    for (const r of rows) {
      const m = answer.fastest[r];
      if (m === undefined || !(m > 0)) throw new Error(`${r}: worker process ${p + 1} gave no figure`);
      perProcess.get(r)!.push(m);
      const ratio = answer.storeRatio[r];
      if (ratio !== undefined && ratio > 0) {
        if (!storeRatios.has(r)) storeRatios.set(r, []);
        storeRatios.get(r)!.push(ratio);
      }
      samples.set(r, (samples.get(r) ?? 0) + (answer.samples[r] ?? 0));
    }
  }
  return { perProcess, storeRatios, samples, processes, threads };
}
