import type { CallStats } from '../report/call-stats.js';
import type { HostSummary } from '../report/host-report.js';
import type { HopSummary } from './hop-times.js';
import type { RunOptions } from './run-options.js';
import type { VcpuTotals } from './vcpu.js';

export interface RunResult {
  readonly options: RunOptions;
  readonly vcpus: readonly VcpuTotals[];
  /** Wall-clock milliseconds from the first call to the last answer. */
  readonly wallMs: number;
  readonly stats: CallStats;
  /** Every record of the run, when options.keepRecords. */
  readonly records: Int32Array | null;
  readonly recordCount: number;
  /** Pool workers that died mid-call (each call they held was retried and completed once). */
  readonly workerCrashes: number;
  /** Table writes the pool made, counted only when a crash is injected (crashPoolAtWrite > 0). */
  readonly poolWrites?: number;
  /** Whether the vCPUs shared tables (paths then depend on timing). */
  readonly sharedTables: boolean;
  /** Hardware writes, pins, locked memory and ioctls, when devices were passed through. */
  readonly host?: HostSummary | null;
  /** Each thread hop's count and median wall-clock time (hop-times.ts); absent inline. */
  readonly hops?: readonly HopSummary[];
  /**
   * Calls a second once warm, measured inside the run: every vCPU stamps the shared clock
   * when it has made a quarter of its calls and when it has made them all; this is the calls
   * made after those quarter marks over the time from the first quarter mark to the last end
   * (so never more than the true rate). Absent inline, and when a vCPU stopped before its quarter mark.
   */
  readonly steadyCallsPerSec?: number;
}
