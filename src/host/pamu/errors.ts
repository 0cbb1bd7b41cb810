/**
 * Answers of the PAMU model, shaped like ioctl results: success, or an errno and a reason that
 * names the offending value. The model never throws for a bad request because the kernel
 * answers those with a negative errno, and callers (tests, a future VFIO layer) branch on it.
 * Runs in: host model only (not the hypercall hot path).
 */

/** The errnos the PAMU domain can answer (ENOMEM is not modelled: nothing here allocates). */
export type PamuErrno = 'EINVAL' | 'EBUSY' | 'ENODEV';

export type PamuResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly errno: PamuErrno; readonly reason: string };

export const OK: PamuResult = Object.freeze({ ok: true });

export function fail(errno: PamuErrno, reason: string): PamuResult {
  return { ok: false, errno, reason };
}

/** `0x…` in lower-case hex, for reasons that name an address or size. */
export function hex(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}
