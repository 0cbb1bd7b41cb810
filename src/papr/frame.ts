/**
 * The hcall frame: the registers of one hypercall, as 32-bit halves in an Int32Array.
 *
 * Inputs (opcode, r4..r7) are written by the guest and never changed by a tier, so every tier
 * restarts from the guest's original arguments. Outputs (status, r4 out, reason, tier) are
 * written by whichever tier answers. Living in shared memory, a frame is how a vCPU thread,
 * a virtual-mode worker and the userspace stage talk about one call without allocating.
 */
export const F_OPCODE = 0;
/** r4: liobn */
export const F_LIOBN_LO = 1;
export const F_LIOBN_HI = 2;
/** r5: ioba */
export const F_IOBA_LO = 3;
export const F_IOBA_HI = 4;
/** r6: tce (PUT), tce_value (STUFF) or tce_list (INDIRECT) */
export const F_ARG_LO = 5;
export const F_ARG_HI = 6;
/** r7: npages (STUFF, INDIRECT) */
export const F_NPAGES_LO = 7;
export const F_NPAGES_HI = 8;
/** r3 on return */
export const F_RET = 9;
/** r4 on return (H_GET_TCE's value) */
export const F_OUT_LO = 10;
export const F_OUT_HI = 11;
/** escalation reason of the last H_TOO_HARD (src/papr/reasons.ts) */
export const F_REASON = 12;
/** tier that produced F_RET (src/papr/tiers.ts) */
export const F_TIER = 13;
/** vCPU that issued the call */
export const F_VCPU = 14;
/** the call's number on its vCPU (with F_VCPU, the call's identity in the event log) */
export const F_SEQ = 15;
/** state word a vCPU sleeps on while another thread answers its call (src/pipeline) */
export const F_STATE = 16;
/** table slot + 1 whose lock a tier holds for this call, 0 for none (crash recovery) */
export const F_LOCKED = 17;
/** Float64 index (word 18..19): modelled nanoseconds this call has cost so far */
export const F_COST_F64 = 9;
/** Float64 index (word 20..21): wall-clock start of the call's hop, performance.now() ms */
export const F_WALL_F64 = 10;
/** Float64 index (word 22..23): the vCPU's modelled clock when the call entered */
export const F_CLOCK_F64 = 11;
/** records a tier that may not wait could not log; the next tier that may wait writes them */
export const F_PENDING = 24;
/** reason of a pending escalation record */
export const F_PENDING_REASON = 25;
/** the event-log reservation a worker holds for this call: next position and end (crash recovery) */
export const F_RES_POS = 26;
export const F_RES_END = 27;
/** times a crashed worker's tier has been tried again for this call */
export const F_ATTEMPT = 28;
/** 1 while the vCPU sleeps waiting for its answer (src/pipeline/halt-poll.ts wake()) */
export const F_SLEEPING = 29;
export const FRAME_WORDS = 32;
export const FRAME_BYTES = FRAME_WORDS * 4;

/** Read a u32 half back from its Int32 slot. */
export function u32(f: Int32Array, index: number): number {
  return (f[index] as number) >>> 0;
}

/** Outputs reset before a tier runs; inputs stay. */
export function clearFrameOutputs(f: Int32Array): void {
  f[F_RET] = 0;
  f[F_OUT_LO] = 0;
  f[F_OUT_HI] = 0;
  f[F_REASON] = 0;
  f[F_TIER] = -1;
}
