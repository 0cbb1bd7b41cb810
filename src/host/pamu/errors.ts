/**
 * Answers of the PAMU model, shaped like ioctl results: success (with a value for the ioctls
 * that return one), or an errno and a reason that names the offending value. The model never
 * throws for a bad request because the kernel answers those with a negative errno, and callers
 * (tests, the VFIO container, `tcesim pamu`) branch on it.
 * Runs in: host model only (not the hypercall hot path).
 */

/**
 * The errnos the PAMU domain and its VFIO container can answer. ENOMEM is the locked-memory
 * limit (nothing here fails to allocate); EFAULT a user address with no memory behind it;
 * EBADF an ioctl on a container already released (its file descriptor closed).
 */
export type PamuErrno = 'EINVAL' | 'EBUSY' | 'ENODEV' | 'ENOMEM' | 'EFAULT' | 'EBADF';

export interface PamuFailure {
  readonly ok: false;
  readonly errno: PamuErrno;
  readonly reason: string;
}

export type PamuResult = { readonly ok: true } | PamuFailure;

/** An ioctl that returns something (GET_ATTR, UNMAP_DMA's unmapped size, the MSI bank count). */
export type PamuValue<T> = { readonly ok: true; readonly value: T } | PamuFailure;

export const OK: PamuResult = Object.freeze({ ok: true });

export function fail(errno: PamuErrno, reason: string): PamuFailure {
  return { ok: false, errno, reason };
}

export function value<T>(v: T): PamuValue<T> {
  return { ok: true, value: v };
}

/** `0x…` in lower-case hex, for reasons that name an address or size. */
export function hex(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}
