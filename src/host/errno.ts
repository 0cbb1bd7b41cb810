/**
 * Linux errno values the host layer returns, as the kernel does: 0 or a negative errno.
 * Names are what conformance vectors and the report print.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const ENXIO = 6;
export const EBADF = 9;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOTTY = 25;
export const ENOSPC = 28;

/** 0 for success, otherwise a negative errno. */
export type IoctlResult = number;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM', [ENOENT]: 'ENOENT', [ENXIO]: 'ENXIO', [EBADF]: 'EBADF', [ENOMEM]: 'ENOMEM',
  [EFAULT]: 'EFAULT', [EBUSY]: 'EBUSY', [EEXIST]: 'EEXIST', [ENODEV]: 'ENODEV', [EINVAL]: 'EINVAL',
  [ENOTTY]: 'ENOTTY', [ENOSPC]: 'ENOSPC',
};

/** "OK" for 0, the errno's name for -errno. */
export function errnoName(ret: IoctlResult): string {
  if (ret === 0) return 'OK';
  return NAMES[-ret] ?? `errno ${-ret}`;
}

/** The negative errno for a name ("OK" is 0); undefined for an unknown name. */
export function errnoByName(name: string): IoctlResult | undefined {
  if (name === 'OK') return 0;
  for (const [k, v] of Object.entries(NAMES)) if (v === name) return -Number(k);
  return undefined;
}
