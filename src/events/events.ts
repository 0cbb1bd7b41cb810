/**
 * The event log as readers see it: a discriminated union decoded from the binary records.
 * Every hypercall appears as entered, one tier-tried per tier, an escalation with its reason
 * between tiers, its table writes, and exactly one completion.
 */
import type { ReasonName } from '../papr/reasons.js';
import type { TierName } from '../papr/tiers.js';

/**
 * The thread an event was recorded on: a vCPU thread (id = vCPU), a virtual-mode pool worker
 * (id = its thread id), or the main thread (the QEMU model, and virtual mode in an inline run).
 */
export interface ThreadRef {
  readonly kind: 'vcpu' | 'pool' | 'main';
  readonly id: number;
}

/** The call an event belongs to: the vCPU that made it, its number on that vCPU, and the thread that recorded it. */
export interface CallId {
  readonly vcpu: number;
  readonly seq: number;
  readonly thread: ThreadRef;
}

export interface HcallEntered extends CallId {
  readonly type: 'hcall-entered';
  readonly opcode: number;
  readonly hcall: string;
  readonly liobn: bigint;
  readonly ioba: bigint;
  readonly arg: bigint;
  readonly npages: bigint;
  /** The vCPU's modelled clock, in nanoseconds, when the call entered. */
  readonly clockNs: number;
}

export interface TierTried extends CallId {
  readonly type: 'tier-tried';
  readonly tier: TierName;
}

export interface Escalated extends CallId {
  readonly type: 'escalated';
  readonly from: TierName;
  readonly to: TierName;
  readonly reason: ReasonName;
  /** Modelled nanoseconds the call had cost when it left `from`. */
  readonly costNs: number;
}

export interface Retried extends CallId {
  readonly type: 'retried';
  readonly tier: TierName;
  readonly reason: ReasonName;
  readonly attempt: number;
}

export interface TableRef {
  /** guest: a guest-view TCE table, id = LIOBN; hardware: a host IOMMU table, id = its index. */
  readonly kind: 'guest' | 'hardware';
  readonly id: number;
}

export interface TableWrite extends CallId {
  readonly type: 'table-write';
  readonly tier: TierName;
  readonly table: TableRef;
  readonly index: number;
  readonly old: bigint;
  readonly value: bigint;
}

/**
 * A run of table writes in one record: entries index .. index + count - 1, entry index + k
 * written with value + k·step (mod 2^64), in index order. `changed` of them changed their
 * entry; `oldDigest` is the sum of entryDigest() over the values they replaced (src/shared-memory/write-log.ts).
 */
export interface TableFill extends CallId {
  readonly type: 'table-fill';
  readonly tier: TierName;
  readonly table: TableRef;
  readonly index: number;
  readonly count: number;
  readonly value: bigint;
  readonly step: bigint;
  readonly changed: number;
  readonly oldDigest: number;
}

export interface HcallCompleted extends CallId {
  readonly type: 'hcall-completed';
  readonly tier: TierName;
  readonly ret: number;
  readonly retName: string;
  /** H_GET_TCE's value; 0 for the others. */
  readonly out: bigint;
  /** Modelled nanoseconds of the whole call. */
  readonly costNs: number;
  /** Wall-clock microseconds, measured when the call left its vCPU thread; -1 otherwise. */
  readonly wallUs: number;
}

export interface TableCreated {
  readonly type: 'table-created';
  readonly table: TableRef;
  readonly pageShift: number;
  readonly entries: number;
  readonly busOffset: bigint;
  readonly inKernel: boolean;
  /** For a hardware table: the LIOBN of the guest table it is attached to (0 for none). */
  readonly attachedTo: number;
}

export interface FinalEntry {
  readonly type: 'final-entry';
  readonly table: TableRef;
  readonly index: number;
  readonly value: bigint;
}

export interface FinalTablesEnd {
  readonly type: 'final-tables-end';
  readonly entries: number;
  readonly tables: number;
}

export interface VcpuFinished {
  readonly type: 'vcpu-finished';
  readonly vcpu: number;
  readonly calls: number;
  /** Modelled nanoseconds: calls plus the guest's own time between them. */
  readonly clockNs: number;
  readonly hcallNs: number;
  readonly mappedBytes: number;
  readonly runWallMs: number;
}

/** A VFIO or KVM-VFIO ioctl returned (main thread). */
export interface HostIoctl {
  readonly type: 'host-ioctl';
  readonly ioctl: string;
  /** 0 or -errno. */
  readonly ret: number;
  readonly errno: string;
  readonly target: number;
}

/** A host page pinned or released, or locked memory charged or refunded. */
export interface HostMemoryChanged {
  readonly type: 'host-memory';
  readonly op: 'pin' | 'unpin' | 'charge' | 'refund';
  /** The host page's address (pin, unpin) or bytes (charge, refund). */
  readonly value: bigint;
}

/** The host when the run ended. */
export interface HostFinal {
  readonly type: 'host-final';
  readonly pinnedPages: number;
  readonly lockedBytes: bigint;
  readonly regions: number;
}

/** QEMU moved a guest-view table to userspace (a VFIO device plugged into its PHB) and replayed its mappings. */
export interface TableMoved {
  readonly type: 'table-moved';
  readonly liobn: number;
  readonly replayed: number;
}

/** One mapping replayed to the IOMMU listeners after a move. */
export interface MappingReplayed {
  readonly type: 'mapping-replayed';
  readonly liobn: number;
  readonly index: number;
  readonly value: bigint;
}

/** A trace replay's counts (src/trace/trace-run-counts.ts), once per trace run, before the final tables. */
export interface TraceRunCountsEvent {
  readonly type: 'trace-run-counts';
  readonly calls: number;
  readonly rtasCalls: number;
  readonly noTableCalls: number;
  readonly reconstructedLists: number;
  readonly skippedLines: number;
  readonly mangledLines: number;
  readonly firstMangledLine: number;
  readonly phbs: number;
  readonly checked: number;
  readonly differing: number;
  /** The first answer that differed: its trace line, the answer and tier, the trace's answer. */
  readonly first: { readonly line: number; readonly ret: number; readonly tier: number; readonly traceRet: number; readonly tceDiffers: boolean } | null;
}

export type TcesimEvent =
  | HcallEntered | TierTried | Escalated | Retried | TableWrite | TableFill | HcallCompleted
  | TableCreated | FinalEntry | FinalTablesEnd | VcpuFinished | HostIoctl | HostMemoryChanged | HostFinal
  | TableMoved | MappingReplayed | TraceRunCountsEvent;
