import { contentionWorkload } from './contention.js';
import { mixedWorkload } from './mixed.js';
import { nicWorkload } from './nic.js';
import type { WorkloadSpec } from './workload.js';

export const WORKLOADS: readonly WorkloadSpec[] = [nicWorkload, mixedWorkload, contentionWorkload];

/** The workload named `name`; an error listing the known ones otherwise. */
export function workloadByName(name: string): WorkloadSpec {
  const w = WORKLOADS.find((x) => x.name === name);
  if (w === undefined) throw new RangeError(`unknown workload ${JSON.stringify(name)} (known: ${WORKLOADS.map((x) => x.name).join(', ')})`);
  return w;
}
