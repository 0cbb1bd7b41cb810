/** Lifecycle events of a run, for whoever watches it (the CLI's progress line, tests). */
import { EventEmitter } from 'eventemitter3';
import type { VcpuTotals } from './vcpu.js';

export interface RunLifecycleEvents {
  'run-started': [info: { mode: string; vcpus: number; workload: string; callsPerVcpu: number }];
  progress: [done: number, total: number];
  'vcpu-finished': [totals: VcpuTotals];
  'worker-crashed': [info: { vcpu: number; seq: number; attempt: number; error: string }];
  'run-finished': [info: { wallMs: number; records: number }];
  /** Asked of the run (a signal, a failed log): vCPUs stop issuing calls, the run drains and ends early. */
  stop: [reason: string];
}

export class RunLifecycle extends EventEmitter<RunLifecycleEvents> {}
