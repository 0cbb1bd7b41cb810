/**
 * The escalation profile: for each workload and mode, a fixed-seed inline run's counts of
 * calls per answering tier, escalations per reason, and calls per hcall and tier. An inline run
 * makes every vCPU's calls in turn on one thread, so the counts are exactly reproducible even
 * for workloads whose vCPUs share a table (threaded, lock contention would make them depend on
 * timing). Any change in them is a change in behaviour, whatever the timings say.
 */
import { hcallName } from '../papr/hcalls.js';
import { MODES, tierName } from '../papr/tiers.js';
import type { CostTable } from '../pipeline/costs.js';
import { runInline } from '../pipeline/inline-run.js';
import { defaultRunOptions } from '../pipeline/run-options.js';
import type { EscalationProfile, ProfileRun } from '../regression/format.js';
import { runFigures } from '../report/report.js';
import type { WorkloadSpec } from '../workload/workload.js';
import type { ProfileSettings } from './config.js';
import type { SkippedWorkload } from './workloads.js';

/** Profiles every workload in every mode; a workload whose run throws is skipped with its message. */
export function escalationProfile(
  settings: ProfileSettings, workloads: readonly WorkloadSpec[], costs: CostTable, skippedBefore: readonly SkippedWorkload[],
): EscalationProfile {
  const runs: ProfileRun[] = [];
  const skipped: SkippedWorkload[] = [...skippedBefore];
  for (const spec of workloads) {
    const mine: ProfileRun[] = [];
    try {
      for (const mode of MODES) {
        const result = runInline({
          ...defaultRunOptions(), mode, workload: spec.name, vcpus: settings.vcpus, calls: settings.callsPerVcpu,
          seed: settings.seed, ringRecords: settings.ringRecords, costs, keepRecords: false, log: null,
        });
        const f = runFigures(result.stats);
        const byHcall: Record<string, number> = {};
        for (const g of [...result.stats.groups.values()].sort((a, b) => a.opcode - b.opcode || a.tier - b.tier)) {
          byHcall[`${hcallName(g.opcode)}@${tierName(g.tier)}`] = g.count;
        }
        mine.push({ workload: spec.name, mode, calls: f.calls, answeredBy: { ...f.answeredBy }, escalations: { ...f.escalations }, byHcall });
      }
    } catch (e) {
      skipped.push({ workload: spec.name, reason: e instanceof Error ? e.message : String(e) });
      continue;
    }
    runs.push(...mine);
  }
  return { vcpus: settings.vcpus, callsPerVcpu: settings.callsPerVcpu, seed: settings.seed, ringRecords: settings.ringRecords, runs, skipped };
}

/** The share of a profile run's calls that left the vCPU thread (answered by virtual mode or userspace). */
export function leftVcpuShare(run: ProfileRun): number {
  return run.calls === 0 ? 1 : 1 - (run.answeredBy['realmode'] ?? 0) / run.calls;
}
