/**
 * The words of a call's frame past its registers (src/papr/frame.ts): what the threads that
 * pass a call between them keep beside it while it is in flight. The hand-off state a vCPU
 * waits on, the modelled cost so far, records a tier that may not wait could not log, and the
 * crash-recovery bookkeeping (the table lock and event-log reservation a worker holds for the
 * call) that lets the pipeline recover a call whose worker died.
 *
 * Int32 indexes, unless named _F64: those index the frame's Float64 view (two words each).
 */
import { FRAME_REGISTER_WORDS } from '../papr/frame.js';

/** State word a vCPU sleeps on while another thread answers its call (src/pipeline/frame-states.ts). */
export const F_STATE = FRAME_REGISTER_WORDS;
/** Table slot + 1 whose lock a tier holds for this call, 0 for none (crash recovery). */
export const F_LOCKED = FRAME_REGISTER_WORDS + 1;
/** Float64 index (words 18..19): modelled nanoseconds this call has cost so far. */
export const F_COST_F64 = (FRAME_REGISTER_WORDS + 2) / 2;
/** Float64 index (words 20..21): wall-clock start of the call's hop, epoch ms (the report's wall latency). */
export const F_WALL_F64 = F_COST_F64 + 1;
/** Float64 index (words 22..23): the vCPU's modelled clock when the call entered. */
export const F_CLOCK_F64 = F_COST_F64 + 2;
/** Records a tier that may not wait could not log; the next tier that may wait writes them. */
export const F_PENDING = FRAME_REGISTER_WORDS + 8;
/** Reason of a pending escalation record. */
export const F_PENDING_REASON = FRAME_REGISTER_WORDS + 9;
/** The event-log reservation a worker holds for this call: next position and end (crash recovery). */
export const F_RES_POS = FRAME_REGISTER_WORDS + 10;
export const F_RES_END = FRAME_REGISTER_WORDS + 11;
/** Times a crashed worker's tier has been tried again for this call. */
export const F_ATTEMPT = FRAME_REGISTER_WORDS + 12;
/** Nonzero while the vCPU sleeps waiting for its answer (src/shared-memory/halt-poll.ts wake()). */
export const F_SLEEPING = FRAME_REGISTER_WORDS + 13;
/**
 * A machine event (src/userspace/h-machine-event.ts), or 0 for a guest's hypercall. Written by
 * tcesim's event injection only, never from a guest's registers, so no hcall can pose as one.
 */
export const F_MACHINE_EVENT = FRAME_REGISTER_WORDS + 14;
/** Float64 index (words 32..33): when the call was last handed to another thread, on the hop clock (src/pipeline/hop-times.ts). */
export const F_HOP_F64 = (FRAME_REGISTER_WORDS + 16) / 2;
