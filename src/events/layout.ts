/**
 * Binary event records: fixed-size, 16 Int32 words (64 bytes), the same in the shared ring and
 * in a log file. Every record starts with the same four words; the rest depends on its kind.
 * docs/event-log-format.md describes the file around them.
 */
export const RECORD_WORDS = 16;
export const RECORD_BYTES = RECORD_WORDS * 4;

/** Ring position the record was written at; a consumer trusts a record only once it matches. */
export const R_STAMP = 0;
/** kind | tier << 8 | reason << 16 | flags << 24 */
export const R_HEAD = 1;
export const R_VCPU = 2;
export const R_SEQ = 3;
/** Float64 slot (words 4-5): modelled nanoseconds (meaning depends on the kind). */
export const R_F64_TIME = 2;
/** Payload words. */
export const R_P0 = 6;
export const R_P1 = 7;
export const R_P2 = 8;
export const R_P3 = 9;
export const R_P4 = 10;
export const R_P5 = 11;
export const R_P6 = 12;
export const R_P7 = 13;
export const R_P8 = 14;
// Word 15 (P9) is R_THREAD.
/**
 * ENTER, ESCALATE, RETRY, WRITE and COMPLETE: the thread that wrote the record,
 * THREAD_* << 16 | id (a vCPU's number, a pool worker's thread id, 0 for the main thread).
 * A CALL record is always its vCPU's.
 */
export const R_THREAD = 15;
export const THREAD_MAIN = 0;
export const THREAD_VCPU = 1;
export const THREAD_POOL = 2;
export function threadWord(kind: number, id: number): number {
  return (kind << 16) | (id & 0xffff);
}

/** Float64 slot (words 12-13) for COMPLETE: wall-clock microseconds of the call, or -1. */
export const R_F64_WALL = 6;

/** Skipped by readers: a reservation slot its writer did not need. */
export const KIND_PAD = 0;
/** A hypercall entered: opcode, liobn, ioba, arg, npages; tier = first tier tried. */
export const KIND_ENTER = 1;
/** A tier gave up: tier = from, reason; P0 = next tier tried. Time = cost so far. */
export const KIND_ESCALATE = 2;
/** A tier's worker died during the call; the tier is tried again. P0 = attempt. */
export const KIND_RETRY = 3;
/** A table entry written: P0 table, P1 index, P2/P3 old lo/hi, P4/P5 new lo/hi. */
export const KIND_WRITE = 4;
/** A hypercall answered: tier = answering tier; P0 ret, P1/P2 out lo/hi. Time = its modelled cost. */
export const KIND_COMPLETE = 5;
/**
 * A whole call in one record, real mode's fast path: an H_PUT_TCE or H_GET_TCE that real mode
 * answered H_SUCCESS at once (no escalation), with at most one guest-view write whose new value
 * is the call's argument (FLAG_WROTE). Time = the vCPU's modelled clock at entry, as in ENTER.
 * P0 opcode, P1 liobn (high half 0), P2/P3 ioba lo/hi, P4/P5 arg lo/hi, P6/P7 the old entry
 * (FLAG_WROTE) or H_GET_TCE's value, lo/hi; Float64 R_F64_CALL_COST: the call's modelled cost.
 * npages is 0 and the record is always its vCPU thread's.
 */
export const KIND_CALL = 6;
/** Float64 slot (words 14-15) of a CALL record: the call's modelled cost. */
export const R_F64_CALL_COST = 7;
/** A table exists: P0 id, P1 page shift, P2 entries, P3/P4 bus offset, P5 flags (1 in kernel), P6 attached-to liobn (hardware). */
export const KIND_TABLE = 7;
/** A final table entry, recorded when a run ends: P0 table, P1 index, P2/P3 lo/hi. */
export const KIND_SNAPSHOT = 8;
/** The end of the final tables: P0 snapshot records, P1 tables. */
export const KIND_SNAPSHOT_END = 9;

/**
 * A vCPU's totals at the end of a run: R_SEQ calls made; Float64 slots: time = modelled clock,
 * [3] modelled ns in hypercalls, [4] bytes mapped by successful calls, [5] the run's wall-clock ms.
 */
export const KIND_VCPU_TOTALS = 10;
export const R_F64_HCALL_NS = 3;
export const R_F64_MAPPED = 4;
export const R_F64_RUN_WALL_MS = 5;

/**
 * A host ioctl returned (VFIO container or KVM-VFIO device; src/host): P0 the ioctl
 * (src/host/ioctl-kinds.ts), P1 its result (0 or -errno), P2 the target (container id or group).
 */
export const KIND_IOCTL = 11;
/** Host memory changed: P0 HOST_PIN/UNPIN/CHARGE/REFUND, P1/P2 lo/hi: the host page's address, or bytes. */
export const KIND_HOST_MEMORY = 12;
export const HOST_PIN = 0;
export const HOST_UNPIN = 1;
export const HOST_CHARGE = 2;
export const HOST_REFUND = 3;
/** The host at the end of a run: P0 pins held, P1/P2 locked bytes lo/hi, P3 preregistered regions. */
export const KIND_HOST_FINAL = 13;

/**
 * QEMU moved a guest-view table out of the kernel (the first VFIO device on its PHB, seed 004):
 * P0 LIOBN, P1 the mappings it replayed to the IOMMU listeners (one IOMMU_REPLAY record each follows).
 */
export const KIND_TABLE_MOVED = 14;
/** One live mapping QEMU replayed to the IOMMU listeners: P0 LIOBN, P1 entry index, P2/P3 the TCE lo/hi. */
export const KIND_IOMMU_REPLAY = 15;
/**
 * A trace replay's counts, once, just before the final tables (src/trace/trace-run-counts.ts):
 * P0 calls, P1 RTAS calls, P2 calls without a table, P3 reconstructed INDIRECT lists, P4 skipped
 * lines, P5 mangled lines, P6 the first mangled line, P7 PHBs with DDW, P8 answers checked, P9
 * answers differing; the first difference: word 2 its trace line (0: none), word 3 the answer,
 * word 4 the trace's answer, the answering tier in the head, FLAG_TCE_DIFFERS.
 */
export const KIND_TRACE_COUNTS = 17;

/**
 * A run of table writes in one record (log version 2): entries P1 .. P1 + P2 - 1 of table P0
 * were written, in index order, entry P1 + k with value + k·step (mod 2^64): P3/P4 the first
 * value lo/hi, P5/P6 the step lo/hi (0 for an H_STUFF_TCE). P7: how many of those writes
 * changed their entry. P8: the sum of entryDigest() over the old values (src/shared-memory/write-log.ts),
 * so a replay still checks that every write found what the log says the table held. Flag
 * FLAG_HW as in WRITE.
 */
export const KIND_FILL = 16;
export { entryDigest } from '../shared-memory/write-log.js';

/** Flags. WRITE/SNAPSHOT/TABLE: the table is a hardware IOMMU table (id = its index). */
export const FLAG_HW = 1;
/** CALL: the call wrote the guest-view entry; P8/P9 is the old value. */
export const FLAG_WROTE = 2;
/** ENTER: the call is a machine event (src/userspace/h-machine-event.ts), not a guest's hypercall. */
export const FLAG_MACHINE_EVENT = 4;
/** TRACE_COUNTS: the first difference is in H_GET_TCE's value, not the return code. */
export const FLAG_TCE_DIFFERS = 1;

export const NO_TIER = 0xff;

export function recordHead(kind: number, tier: number, reason: number, flags: number): number {
  return (kind & 0xff) | ((tier & 0xff) << 8) | ((reason & 0xff) << 16) | ((flags & 0xff) << 24);
}
export function headKind(head: number): number {
  return head & 0xff;
}
export function headTier(head: number): number {
  return (head >>> 8) & 0xff;
}
export function headReason(head: number): number {
  return (head >>> 16) & 0xff;
}
export function headFlags(head: number): number {
  return (head >>> 24) & 0xff;
}

// --- ring header: producer cursor and consumer cursor on separate cache lines ---
export const RH_MAGIC = 0;
export const RH_CAPACITY = 1;
export const RH_HEAD = 16;
export const RH_TAIL = 32;
export const RH_WORDS = 48;
export const RING_MAGIC = 0x54434552; // 'TCER'
