/** F_STATE of a vCPU's frame: how a vCPU thread waits for an answer another thread gives. */
export const FRAME_LOCAL = 0;
/** The call is with the kernel or userspace step; the vCPU sleeps on the word. */
export const FRAME_PENDING = 1;
/** The answer is in the frame. */
export const FRAME_DONE = 2;
