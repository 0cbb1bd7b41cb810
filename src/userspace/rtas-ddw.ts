/**
 * QEMU 7.2's dynamic DMA window RTAS calls (hw/ppc/spapr_rtas_ddw.c; reference §5.6), one
 * handler per call. Each gets the argument words and answers the words QEMU stores in the
 * return buffer, status first (a failed call stores only its status).
 * Runs in: userspace (the main thread).
 */
import {
  RTAS_OUT_HW_ERROR, RTAS_OUT_PARAM_ERROR, RTAS_OUT_SUCCESS, queryMaskBit,
} from '../papr/rtas.js';
import type { SpaprIommu } from './spapr-iommu.js';
import type { SpaprPhb } from './spapr-phb.js';

/** An RTAS handler: (QEMU, nargs, nret, the nargs argument words) -> the words it stores, status first. */
export type RtasHandler = (q: SpaprIommu, nargs: number, nret: number, args: readonly number[]) => number[];

/** What QEMU 7.2 answers as the largest block with the 5-word reply, whatever the RAM. */
const DDW_LARGEST_BLOCK = 0x80000000;

const PARAM_ERROR = [RTAS_OUT_PARAM_ERROR];
const HW_ERROR = [RTAS_OUT_HW_ERROR];

function buidOf(args: readonly number[]): bigint {
  return (BigInt((args[1] as number) >>> 0) << 32n) | BigInt((args[2] as number) >>> 0);
}

/** The PHB named by args 1-2 when it exists and has DDW on. */
function ddwPhb(q: SpaprIommu, args: readonly number[]): SpaprPhb | null {
  const phb = q.findPhb(buidOf(args));
  return phb !== null && phb.config.ddw ? phb : null;
}

/**
 * ibm,query-pe-dma-window: 3 args, 5 rets (or 6: the largest block as two words, the DDW
 * extension QEMU has since 2020). Windows available = 2 − active windows; the largest block is
 * QEMU's constant; the page sizes as the LoPAPR mask; migration mask 0.
 */
export function rtasQueryPeDmaWindow(q: SpaprIommu, nargs: number, nret: number, args: readonly number[]): number[] {
  if (nargs !== 3 || (nret !== 5 && nret !== 6)) return PARAM_ERROR;
  const phb = ddwPhb(q, args);
  if (phb === null) return PARAM_ERROR;
  const mask = phb.config.pageSizeMask;
  const avail = phb.windows.length - phb.activeWindows();
  q.trace?.ddwQuery(phb.buid, (args[0] as number) >>> 0, avail, BigInt(DDW_LARGEST_BLOCK), mask);
  // 1 << (58 - 21) TCEs: QEMU's 64-bit largest block for the extended reply.
  if (nret === 6) return [RTAS_OUT_SUCCESS, avail, 0x20, 0, mask, 0];
  return [RTAS_OUT_SUCCESS, avail, DDW_LARGEST_BLOCK, mask, 0];
}

/**
 * ibm,create-pe-dma-window: 5 args (config_addr, BUID, page_shift, window_shift), 4 rets.
 * A page size the PHB does not allow or a window smaller than its page is a parameter error;
 * no free window is a hardware error. The window takes the first disabled LIOBN and starts at
 * the default window's address when no window is active, else at the 64-bit address.
 */
export function rtasCreatePeDmaWindow(q: SpaprIommu, nargs: number, nret: number, args: readonly number[]): number[] {
  if (nargs !== 5 || nret !== 4) return PARAM_ERROR;
  const phb = ddwPhb(q, args);
  if (phb === null) return PARAM_ERROR;
  const pageShift = (args[3] as number) >>> 0;
  const windowShift = (args[4] as number) >>> 0;
  const bit = pageShift < 64 ? queryMaskBit(pageShift) : 0;
  if (bit === 0 || (phb.config.pageSizeMask & bit) === 0 || windowShift < pageShift) return PARAM_ERROR;
  const window = phb.freeWindow();
  const active = phb.activeWindows();
  if (window === null || active === phb.windows.length) return HW_ERROR;
  const start = active === 0 ? phb.config.dmaWinAddr : phb.config.dma64WinAddr;
  // QEMU passes the entry count as a u32: a window of 2^32 pages or more enables nothing.
  if (windowShift - pageShift >= 32) return HW_ERROR;
  if (!q.enableWindow(phb, window, pageShift, start, 2 ** (windowShift - pageShift))) return HW_ERROR;
  q.trace?.ddwCreate(phb.buid, (args[0] as number) >>> 0, 1n << BigInt(pageShift), 1n << BigInt(windowShift), start, window.liobn);
  return [RTAS_OUT_SUCCESS, window.liobn | 0, Number(start >> 32n) | 0, Number(start & 0xffffffffn) | 0];
}

/**
 * ibm,remove-pe-dma-window: 1 arg (LIOBN), 1 ret. An unknown or disabled window is a
 * parameter error. Removing the last window when it is not the default one resets the PHB's
 * DMA (LoPAPR; QEMU since 2022), traced as a reset of config address 0.
 */
export function rtasRemovePeDmaWindow(q: SpaprIommu, nargs: number, nret: number, args: readonly number[]): number[] {
  if (nargs !== 1 || nret !== 1) return PARAM_ERROR;
  const liobn = (args[0] as number) >>> 0;
  const found = q.findWindow(liobn);
  if (found === null || !found.phb.config.ddw || found.window.slot < 0) return PARAM_ERROR;
  const wasDefault = found.window.defaultWindow;
  q.disableWindow(found.window);
  q.trace?.ddwRemove(liobn);
  if (found.phb.activeWindows() === 0 && !wasDefault) {
    q.phbDmaReset(found.phb);
    q.trace?.ddwReset(found.phb.buid, 0);
  }
  return [RTAS_OUT_SUCCESS];
}

/** ibm,reset-pe-dma-window: 3 args, 1 ret: back to the default window alone, empty. */
export function rtasResetPeDmaWindow(q: SpaprIommu, nargs: number, nret: number, args: readonly number[]): number[] {
  if (nargs !== 3 || nret !== 1) return PARAM_ERROR;
  const phb = ddwPhb(q, args);
  if (phb === null) return PARAM_ERROR;
  q.phbDmaReset(phb);
  q.trace?.ddwReset(phb.buid, (args[0] as number) >>> 0);
  return [RTAS_OUT_SUCCESS];
}
