/**
 * A workload's spec by name, importing its module only: a vCPU thread runs one workload, and
 * every module it loads is start-up time of its own V8 isolate (the registry imports all eight
 * and, through the trace workload, the trace reader: 27 of the 84 modules a vCPU thread
 * loaded, on each of 4 or 8 threads starting at once on 2 cores). The main thread keeps the
 * registry (registry.ts), which names, describes and checks them all; a test checks that both
 * give the same specs.
 */
import type { WorkloadSpec } from './workload.js';

const LOADERS: Readonly<Record<string, () => Promise<WorkloadSpec>>> = {
  nic: async () => (await import('./nic.js')).nicWorkload,
  storage: async () => (await import('./storage.js')).storageWorkload,
  boot: async () => (await import('./boot.js')).bootWorkload,
  ddw: async () => (await import('./ddw.js')).ddwWorkload,
  mixed: async () => (await import('./mixed.js')).mixedWorkload,
  contention: async () => (await import('./contention.js')).contentionWorkload,
  trace: async () => (await import('../trace/trace-workload.js')).traceWorkload,
  fuzz: async () => (await import('./fuzz.js')).fuzzWorkload,
};

/** The names loadWorkload() knows. */
export const LOADABLE_WORKLOADS: readonly string[] = Object.keys(LOADERS);

/** The workload named `name`, its module imported now; rejects with a RangeError for an unknown name. */
export function loadWorkload(name: string): Promise<WorkloadSpec> {
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined;
  if (load === undefined) return Promise.reject(new RangeError(`unknown workload ${JSON.stringify(name)} (known: ${LOADABLE_WORKLOADS.join(', ')})`));
  return load();
}
