/**
 * Workloads: the traffic a vCPU generates. A workload runs on its vCPU's thread and fills the
 * hcall frame's inputs for one call at a time (allocation-free), so it is rebuilt on that
 * thread from its name, the run's seed and the vCPU number.
 */
import type { TableConfig } from '../pipeline/machine-config.js';
import type { GuestRam } from '../shared-memory/guest-ram.js';
import type { PhbConfig } from '../userspace/spapr-phb.js';

/** A workload's parameters as the user gave them (`--workload nic:buffer=65536,map=indirect`). */
export type WorkloadParams = Readonly<Record<string, string>>;

export interface WorkloadContext {
  readonly seed: number;
  /** The workload's parameters, already checked by its spec's tables() on the main thread. */
  readonly params: WorkloadParams;
  readonly vcpu: number;
  readonly vcpus: number;
  /** Calls this vCPU makes. */
  readonly calls: number;
  readonly ram: GuestRam;
}

export interface Workload {
  /** Fill the frame's inputs (opcode, liobn, ioba, arg, npages) for the next call. */
  next(f: Int32Array): void;
  /** Bytes of guest memory the last call mapped for DMA (0 for unmaps, reads, failures). */
  readonly mappedBytes: number;
  /** Modelled nanoseconds the guest spends between this call and the next (driver work). */
  readonly guestNs: number;
  /** Optional: the last call's answer is in the frame's outputs (the trace workload checks it). */
  answered?(f: Int32Array): void;
}

export interface WorkloadSpec {
  readonly name: string;
  readonly description: string;
  /** The parameters it accepts: name -> one line of help (the value it takes and its default). */
  readonly params: Readonly<Record<string, string>>;
  /**
   * The tables the machine needs for this workload with `vcpus` vCPUs. Runs on the main thread
   * before any vCPU starts: it checks the parameters' values (a RangeError naming the bad one).
   */
  tables(vcpus: number, params: WorkloadParams): TableConfig[];
  /** Optional: sPAPR PHBs the machine models (their windows are QEMU's, changed by the guest's DDW calls). */
  phbs?(vcpus: number, params: WorkloadParams): PhbConfig[];
  /** Refuse vCPU or call counts the workload cannot give (a trace has one stream of known length). */
  checkRun?(vcpus: number, calls: number, params: WorkloadParams): void;
  /** Whether vCPUs share a table (then lock contention, and so paths, depend on timing). */
  readonly sharesTables: boolean;
  create(ctx: WorkloadContext): Workload;
}
