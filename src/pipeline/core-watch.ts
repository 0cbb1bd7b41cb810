/**
 * Whether a core is free to spin on: KVM polls a halted vCPU only while no other task wants
 * its CPU (single_task_running()). A thread here cannot ask the scheduler that, so the main
 * thread samples the number of runnable threads on the machine (/proc/loadavg's fourth
 * field, instantaneous) every few milliseconds and publishes in a shared word whether threads
 * outnumber cores; while they do, no thread of the run polls and every hand-off sleeps, as
 * with polling off. Where /proc/loadavg does not exist, the word stays 0 (polling is governed
 * by the adaptive window and the spinner slots alone).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const CORE_WATCH_INTERVAL_MS = 5;

/** Runnable threads right now (this one included), or -1 when the system does not say. */
function runnableThreads(): number {
  try {
    const fields = readFileSync('/proc/loadavg', 'latin1').split(' ');
    const running = Number.parseInt(fields[3] ?? '', 10);
    return Number.isFinite(running) ? running : -1;
  } catch {
    return -1;
  }
}

/**
 * Whether `runnable` threads (the sampling thread included) crowd `cores` cores: more are
 * runnable than the cores, besides the sampler itself.
 */
export function crowded(runnable: number, cores: number): boolean {
  return runnable >= 0 && runnable - 1 > cores;
}

/** Sample every CORE_WATCH_INTERVAL_MS into words[index] (1: crowded); returns the stopper. */
export function watchCores(words: Int32Array, index: number, cores = availableParallelism()): () => void {
  const sample = (): void => {
    Atomics.store(words, index, crowded(runnableThreads(), cores) ? 1 : 0);
  };
  sample();
  const timer = setInterval(sample, CORE_WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
