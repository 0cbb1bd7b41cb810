/** sPAPR TCE hypercall opcodes (PAPR; Linux hvcall.h and QEMU spapr.h agree). */
export const H_GET_TCE = 0x1c;
export const H_PUT_TCE = 0x20;
export const H_STUFF_TCE = 0x138;
export const H_PUT_TCE_INDIRECT = 0x13c;

export const HCALL_NAMES = ['H_GET_TCE', 'H_PUT_TCE', 'H_STUFF_TCE', 'H_PUT_TCE_INDIRECT'] as const;
export type HcallName = (typeof HCALL_NAMES)[number];

const OPCODE_BY_NAME: Readonly<Record<HcallName, number>> = {
  H_GET_TCE,
  H_PUT_TCE,
  H_STUFF_TCE,
  H_PUT_TCE_INDIRECT,
};

export function hcallOpcode(name: HcallName): number {
  return OPCODE_BY_NAME[name];
}

export function isHcallName(name: string): name is HcallName {
  return (HCALL_NAMES as readonly string[]).includes(name);
}

/**
 * The report's row key for machine events (src/userspace/h-machine-event.ts): no 32-bit opcode,
 * so a guest hcall with the event's opcode is a row of its own.
 */
export const MACHINE_EVENT_ROW = 2 ** 32;

/** The name of a TCE hcall opcode (or MACHINE_EVENT_ROW), or its hex form for anything else. */
export function hcallName(opcode: number): string {
  switch (opcode) {
    case H_GET_TCE: return 'H_GET_TCE';
    case H_PUT_TCE: return 'H_PUT_TCE';
    case H_STUFF_TCE: return 'H_STUFF_TCE';
    case H_PUT_TCE_INDIRECT: return 'H_PUT_TCE_INDIRECT';
    // KVMPPC_H_RTAS (src/papr/rtas.ts): how the guest makes RTAS calls such as DDW's.
    case 0xf000: return 'H_RTAS';
    case MACHINE_EVENT_ROW: return 'QEMU_EVENT';
    default: return `0x${(opcode >>> 0).toString(16)}`;
  }
}
