/**
 * RTAS as the sPAPR guest reaches it: the H_RTAS hypercall with the guest physical address of
 * an argument buffer (big-endian u32 words: token, nargs, nret, args[nargs], rets[nret]).
 * KVM's tiers pass H_RTAS on to userspace (tcesim models no in-kernel RTAS), where QEMU looks
 * the token up. The DDW calls and their status codes: SPEC §1.3, hw/ppc/spapr_rtas_ddw.c.
 */

/** KVMPPC_H_RTAS: QEMU's private hypercall the guest's RTAS entry point makes. */
export const H_RTAS = 0xf000;

/** QEMU's token numbers (RTAS_TOKEN_BASE 0x2000 + position); guests find them by name in /rtas. */
export const RTAS_IBM_QUERY_PE_DMA_WINDOW = 0x2026;
export const RTAS_IBM_CREATE_PE_DMA_WINDOW = 0x2027;
export const RTAS_IBM_REMOVE_PE_DMA_WINDOW = 0x2028;
export const RTAS_IBM_RESET_PE_DMA_WINDOW = 0x2029;

export const RTAS_DDW_NAMES = [
  'ibm,query-pe-dma-window', 'ibm,create-pe-dma-window', 'ibm,remove-pe-dma-window', 'ibm,reset-pe-dma-window',
] as const;
export type RtasDdwName = (typeof RTAS_DDW_NAMES)[number];

const TOKEN_BY_NAME: Readonly<Record<RtasDdwName, number>> = {
  'ibm,query-pe-dma-window': RTAS_IBM_QUERY_PE_DMA_WINDOW,
  'ibm,create-pe-dma-window': RTAS_IBM_CREATE_PE_DMA_WINDOW,
  'ibm,remove-pe-dma-window': RTAS_IBM_REMOVE_PE_DMA_WINDOW,
  'ibm,reset-pe-dma-window': RTAS_IBM_RESET_PE_DMA_WINDOW,
};

/** The argument and return word counts a Linux guest passes for each call. */
export const RTAS_DDW_COUNTS: Readonly<Record<RtasDdwName, { nargs: number; nret: number }>> = {
  'ibm,query-pe-dma-window': { nargs: 3, nret: 5 },
  'ibm,create-pe-dma-window': { nargs: 5, nret: 4 },
  'ibm,remove-pe-dma-window': { nargs: 1, nret: 1 },
  'ibm,reset-pe-dma-window': { nargs: 3, nret: 1 },
};

export function isRtasDdwName(name: string): name is RtasDdwName {
  return (RTAS_DDW_NAMES as readonly string[]).includes(name);
}

export function rtasToken(name: RtasDdwName): number {
  return TOKEN_BY_NAME[name];
}

/** RTAS status words (rets[0]), signed. */
export const RTAS_OUT_SUCCESS = 0;
export const RTAS_OUT_HW_ERROR = -1;
export const RTAS_OUT_PARAM_ERROR = -3;

/** Byte offsets in the argument buffer. */
export const RTAS_ARGS_TOKEN = 0;
export const RTAS_ARGS_NARGS = 4;
export const RTAS_ARGS_NRET = 8;
export const RTAS_ARGS_FIRST = 12;
/** The buffer holds at most this many args + rets (Linux's struct rtas_args has 16). */
export const RTAS_MAX_WORDS = 16;

/**
 * The page-size bits of ibm,query-pe-dma-window (LoPAPR): bit -> page shift. QEMU maps the
 * PHB's allowed page sizes to these (spapr_page_mask_to_query_mask).
 */
const QUERY_MASK_SHIFTS: readonly (readonly [number, number])[] = [
  [0x001, 12], [0x002, 16], [0x004, 24], [0x008, 25], [0x010, 26], [0x020, 27], [0x040, 28], [0x080, 34], [0x100, 21],
];

/** The query-mask bit of a page shift, or 0 when LoPAPR has none for it. */
export function queryMaskBit(pageShift: number): number {
  for (const [bit, shift] of QUERY_MASK_SHIFTS) if (shift === pageShift) return bit;
  return 0;
}

/** Every bit a query mask may have. */
export const QUERY_MASK_ALL = QUERY_MASK_SHIFTS.reduce((m, [bit]) => m | bit, 0);
