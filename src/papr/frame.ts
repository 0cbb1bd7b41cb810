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
/**
 * Words 0 .. FRAME_REGISTER_WORDS - 1 are the registers above; the rest of the frame is the
 * bookkeeping the layers above keep beside a call in flight (hand-off state, modelled cost,
 * crash recovery): src/shared-memory/frame-slots.ts.
 */
export const FRAME_REGISTER_WORDS = 16;
/** A whole number of 64-byte cache lines, so two vCPUs' frames never share one. */
export const FRAME_WORDS = 48;
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
