/** PAPR hypervisor return codes used on the TCE paths (Linux hvcall.h). */
export const H_SUCCESS = 0;
const H_HARDWARE = -1;
export const H_FUNCTION = -2;
export const H_PARAMETER = -4;
const H_CLOSED = 2;
/** KVM-internal "next tier, please": never reaches the guest. */
export const H_TOO_HARD = 9999;

export const RETURN_CODE_NAMES = [
  'H_SUCCESS', 'H_HARDWARE', 'H_FUNCTION', 'H_PARAMETER', 'H_CLOSED', 'H_TOO_HARD',
] as const;
export type ReturnCodeName = (typeof RETURN_CODE_NAMES)[number];

const CODE_BY_NAME: Readonly<Record<ReturnCodeName, number>> = {
  H_SUCCESS, H_HARDWARE, H_FUNCTION, H_PARAMETER, H_CLOSED, H_TOO_HARD,
};

export function isReturnCodeName(name: string): name is ReturnCodeName {
  return (RETURN_CODE_NAMES as readonly string[]).includes(name);
}

export function returnCode(name: ReturnCodeName): number {
  return CODE_BY_NAME[name];
}

export function returnCodeName(code: number): string {
  for (const name of RETURN_CODE_NAMES) if (CODE_BY_NAME[name] === code) return name;
  return `H_${code}`;
}
