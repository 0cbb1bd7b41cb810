/** F_STATE of a vCPU's frame: where a call that left its vCPU thread stands, and how the vCPU waits for it. */
export const FRAME_LOCAL = 0;
/** Queued for the kernel step: a virtual-mode pool server will claim it. */
export const FRAME_KERNEL = 1;
/** The answer is in the frame. */
export const FRAME_DONE = 2;
/** Claimed by a pool server, which runs the kernel step (F_SERVER of the hand-off words says which). */
export const FRAME_KERNEL_BUSY = 3;
/** Queued for the userspace step on the main thread. */
export const FRAME_USER = 4;
/** Queued by the vCPU for the main thread, which runs the kernel step's pass-through first (mode userspace). */
export const FRAME_USER_ENTRY = 5;

/** vCPU control word 0 (vcpu-worker.ts): 0 wait, 1 go, STOP_CALLS make no more calls (the run is being stopped). */
export const STOP_CALLS = 2;
