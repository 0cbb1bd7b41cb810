import { traceWorkload } from '../trace/trace-workload.js';
import { bootWorkload } from './boot.js';
import { contentionWorkload } from './contention.js';
import { ddwWorkload } from './ddw.js';
import { fuzzWorkload } from './fuzz.js';
import { mixedWorkload } from './mixed.js';
import { nicWorkload } from './nic.js';
import { storageWorkload } from './storage.js';
import type { WorkloadParams, WorkloadSpec } from './workload.js';

export const WORKLOADS: readonly WorkloadSpec[] = [
  nicWorkload, storageWorkload, bootWorkload, ddwWorkload, mixedWorkload, contentionWorkload, traceWorkload, fuzzWorkload,
];

/** The workload named `name`; an error listing the known ones otherwise. */
export function workloadByName(name: string): WorkloadSpec {
  const w = WORKLOADS.find((x) => x.name === name);
  if (w === undefined) throw new RangeError(`unknown workload ${JSON.stringify(name)} (known: ${WORKLOADS.map((x) => x.name).join(', ')})`);
  return w;
}

/**
 * `NAME` or `NAME:KEY=VALUE,KEY=VALUE` -> the workload's name and its parameters. Names a
 * parameter the workload does not take, and lists the ones it does. Values are checked later,
 * by the spec's tables().
 */
export function parseWorkloadArg(arg: string): { name: string; params: WorkloadParams } {
  const colon = arg.indexOf(':');
  const name = colon < 0 ? arg : arg.slice(0, colon);
  const spec = workloadByName(name);
  const params: Record<string, string> = {};
  if (colon < 0) return { name, params };
  for (const item of arg.slice(colon + 1).split(',')) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 || key === '') throw new RangeError(`workload parameter ${JSON.stringify(item)} must be KEY=VALUE`);
    checkParamName(spec, key);
    if (key in params) throw new RangeError(`workload parameter ${JSON.stringify(key)} is given twice`);
    params[key] = item.slice(eq + 1);
  }
  return { name, params };
}

/** Refuses a parameter `spec` does not take, naming it and the ones it takes. */
function checkParamName(spec: WorkloadSpec, key: string): void {
  if (Object.hasOwn(spec.params, key)) return;
  const known = Object.keys(spec.params);
  throw new RangeError(`workload ${spec.name} takes no parameter ${JSON.stringify(key)}` +
    (known.length === 0 ? ' (it takes none)' : ` (it takes: ${known.join(', ')})`));
}
