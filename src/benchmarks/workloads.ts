/**
 * The workloads the suite runs: every one in the registry that can build its tables with its
 * default parameters. The others (a workload not built yet, one that needs a parameter such
 * as a trace file) are left out with the reason they gave.
 */
import { WORKLOADS } from '../workload/registry.js';
import type { WorkloadSpec } from '../workload/workload.js';

export interface SkippedWorkload {
  readonly workload: string;
  readonly reason: string;
}

export function suiteWorkloads(vcpuCounts: readonly number[]): { runnable: WorkloadSpec[]; skipped: SkippedWorkload[] } {
  const runnable: WorkloadSpec[] = [];
  const skipped: SkippedWorkload[] = [];
  for (const spec of WORKLOADS) {
    // A test workload (npm run fuzz), not traffic to measure.
    if (spec.name === 'fuzz') continue;
    try {
      for (const v of vcpuCounts) spec.tables(v, {});
      runnable.push(spec);
    } catch (e) {
      skipped.push({ workload: spec.name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { runnable, skipped };
}
