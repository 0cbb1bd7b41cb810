import type { Mode } from '../papr/tiers.js';
import type { SpaprTraceObserver } from '../userspace/trace-observer.js';
import type { TraceAnswerCheck } from '../trace/trace-answer-check.js';
import type { WorkloadParams } from '../workload/workload.js';
import { defaultCosts, type CostTable } from './costs.js';
import type { MachineDescription } from './machine-file.js';
import { DEFAULT_POLL_US, MAX_POLL_US } from '../shared-memory/halt-poll.js';
import { defaultPoolSettings, isPoolAtomics, POOL_ATOMICS, type PoolAtomics } from './pool-settings.js';

export interface RunOptions {
  mode: Mode;
  /** vCPU threads. */
  vcpus: number;
  workload: string;
  /** The workload's parameters (checked by its spec when the run starts). */
  workloadParams: WorkloadParams;
  /** Calls each vCPU makes. */
  calls: number;
  seed: number;
  /** Binary event log file, or null for none. */
  log: string | null;
  costs: CostTable;
  /** Event ring size in records (a power of two). */
  ringRecords: number;
  /**
   * The event ring's first position (absent: 0). Positions are Int32 words: from position 2^31
   * on they read negative, and after 2^32 - 1 comes 0; a test starts near there instead of
   * making that many records first. Not with a log file, whose record r is stamped r.
   */
  ringFirst?: number;
  /** Virtual-mode pool threads. */
  poolThreads: number;
  /** piscina `atomics` for the pool (src/pipeline/pool-settings.ts). */
  poolAtomics: PoolAtomics;
  /** piscina `concurrentTasksPerWorker` for the pool. */
  poolTasksPerWorker: number;
  /**
   * Largest window, microseconds, a thread polls for a hand-off before it sleeps (KVM's
   * halt_poll_ns; src/shared-memory/halt-poll.ts); 0: every hand-off sleeps. Wall-clock only: the
   * modelled clock and every path are the same for any value.
   */
  pollUs: number;
  /** Keep every record in memory (for replay in the same process and tests). */
  keepRecords: boolean;
  /** Fault injection: the pool worker making the Nth table write (1-based, run-wide) dies right after it. 0: none. */
  crashPoolAtWrite: number;
  /**
   * QEMU's hcall trace points on the userspace tier (e.g. a QemuTraceWriter for
   * --emit-qemu-trace); absent or null: not traced. The caller owns it and closes it when the
   * run ends, whether it completed or failed.
   */
  qemuTrace?: SpaprTraceObserver | null;
  /** Filled during a trace replay: its hcall answers checked against the trace (src/trace/trace-answer-check.ts). */
  traceCheck?: TraceAnswerCheck | null;
  /** Filled during the run with what machine events (--qemu-event) did: tables moved to userspace and mappings replayed. */
  qemuEventLog?: QemuEventLog | null;
  /** Host, IOMMU groups and passed-through devices (--machine FILE, --vfio); absent or null: emulated devices only. */
  machine?: MachineDescription | null;
}

export interface QemuEventLog {
  readonly moves: { liobn: number; replayed: number }[];
}

export const MAX_VCPUS = 64;

export function defaultRunOptions(): RunOptions {
  return {
    mode: 'realmode',
    vcpus: 2,
    workload: 'nic',
    workloadParams: {},
    calls: 1_000_000,
    seed: 1,
    log: null,
    costs: defaultCosts(),
    ringRecords: 2 ** 19,
    poolThreads: defaultPoolSettings().threads,
    poolAtomics: defaultPoolSettings().atomics,
    poolTasksPerWorker: defaultPoolSettings().concurrentTasksPerWorker,
    pollUs: DEFAULT_POLL_US,
    keepRecords: false,
    crashPoolAtWrite: 0,
    qemuTrace: null,
  };
}

/** Refuse options a run cannot honour, naming the bad value. */
export function checkRunOptions(o: RunOptions): void {
  const int = (name: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} ${v} must be an integer from ${min} to ${max}`);
  };
  int('vcpus', o.vcpus, 1, MAX_VCPUS);
  int('calls', o.calls, 1, 2 ** 31 - 1);
  int('seed', o.seed, 0, 2 ** 32 - 1);
  int('pool threads', o.poolThreads, 1, 16);
  int('pool tasks per worker', o.poolTasksPerWorker, 1, 16);
  if (!isPoolAtomics(o.poolAtomics)) throw new RangeError(`pool atomics ${JSON.stringify(o.poolAtomics)} must be one of ${POOL_ATOMICS.join(', ')}`);
  int('poll-us', o.pollUs, 0, MAX_POLL_US);
  int('crash-pool-at-write', o.crashPoolAtWrite, 0, 2 ** 31 - 1);
  if (!Number.isInteger(o.ringRecords) || o.ringRecords < 1024 || (o.ringRecords & (o.ringRecords - 1)) !== 0 || o.ringRecords > 2 ** 24) {
    throw new RangeError(`ring records ${o.ringRecords} must be a power of two from 1024 to 2^24`);
  }
  if (o.ringFirst !== undefined) {
    int('ring first position', o.ringFirst, -(2 ** 31), 2 ** 31 - 1);
    if (o.ringFirst !== 0 && o.log !== null) throw new RangeError(`ring first position ${o.ringFirst} must be 0 with a log file (its record r is stamped r)`);
  }
}
