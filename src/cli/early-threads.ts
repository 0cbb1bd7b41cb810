/**
 * `tcesim run` starts its vCPU and pool threads first, before the CLI loads the rest of its
 * modules (the report's, the commands'): a thread's start-up is a new V8 isolate loading its
 * own modules, hundreds of milliseconds with four vCPUs on 2 cores, and it then overlaps the
 * main thread's loading, option checks and machine set-up instead of following them
 * (src/pipeline/run-threads.ts). The run adopts them when they fit it.
 *
 * Only the thread count is read here, and only from plain values; anything else (a bad or
 * unusual value, --inline, --help) starts nothing, and the run starts its threads as usual
 * after every option has been checked. Threads nobody adopts do not keep the process alive.
 */
import { defaultPoolSettings, isPoolAtomics, type PoolSettings } from '../pipeline/pool-settings.js';
import type { RunThreads } from '../pipeline/run-threads.js';

/** `run`'s default vCPUs and workload (run-options.ts; a trace replays on 1). */
const DEFAULT_VCPUS = 2;
const DEFAULT_WORKLOAD = 'nic';
/** More than this many threads are not started on a guess. */
const MAX_EARLY_VCPUS = 16;
const MAX_POOL_THREADS = 16;

let early: RunThreads | null = null;

/** The value of the last `--name V` or `--name=V` in `argv`: undefined when absent, null when it has none. */
function optionValue(argv: readonly string[], name: string): string | null | undefined {
  let value: string | null | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === `--${name}`) value = argv[i + 1] ?? null;
    else if (a.startsWith(`--${name}=`)) value = a.slice(name.length + 3);
  }
  return value;
}

/** A plain count from `value` (absent: `fallback`) within 1..max, or null. */
function count(value: string | null | undefined, fallback: number, max: number): number | null {
  if (value === undefined) return fallback;
  if (value === null || !/^\d{1,3}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= max ? n : null;
}

/** For `run` with a plain thread count: start its threads now. */
export async function startEarlyThreads(argv: readonly string[]): Promise<void> {
  if (argv[0] !== 'run') return;
  const args = argv.slice(1);
  if (args.some((a) => a === '--inline' || a.startsWith('--inline=') || a === '--help' || a === '-h')) return;
  // The workload's name (its module is imported while the threads wait): a trace, or --workload NAME[:...].
  const workload = optionValue(args, 'trace') !== undefined ? 'trace' : (optionValue(args, 'workload') ?? DEFAULT_WORKLOAD).split(':')[0] ?? '';
  const vcpus = workload === 'trace' ? 1 : count(optionValue(args, 'vcpus'), DEFAULT_VCPUS, MAX_EARLY_VCPUS);
  const d = defaultPoolSettings();
  const threads = count(optionValue(args, 'pool-threads'), d.threads, MAX_POOL_THREADS);
  const tasks = count(optionValue(args, 'pool-tasks'), d.concurrentTasksPerWorker, MAX_POOL_THREADS);
  const atomics = optionValue(args, 'pool-atomics') ?? d.atomics;
  if (vcpus === null || threads === null || tasks === null || !isPoolAtomics(atomics)) return;
  const settings: PoolSettings = { threads, atomics, concurrentTasksPerWorker: tasks };
  const { startRunThreads } = await import('../pipeline/run-threads.js');
  early = startRunThreads(vcpus, settings, workload);
}

/** The threads started early, once, for the run to adopt (it stops them if they do not fit). */
export function takeEarlyThreads(): RunThreads | undefined {
  const t = early;
  early = null;
  return t ?? undefined;
}
