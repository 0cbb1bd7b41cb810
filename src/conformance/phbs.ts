/** `machine.phbs[]` (format /2): sPAPR PHBs with QEMU 7.2's defaults for what is left out. */
import { QUERY_MASK_ALL } from '../papr/rtas.js';
import { PHB_MAX_INDEX, defaultPhbConfig, phbLiobn, type PhbConfig } from '../userspace/spapr-phb.js';
import { checkFields, isPlainObject, parseBool, parseSmallInt, parseU64, type Reader } from './values.js';

const PHB_FIELDS = ['index', 'ddw', 'dmaWinAddr', 'dmaWinSize', 'dma64WinAddr', 'pageSizeMask'] as const;

/** The most 4 KiB pages a default window may have here (16 GiB of bus space). */
const MAX_DEFAULT_WINDOW_BYTES = 1n << 34n;

export function parsePhbs(v: unknown, where: string, fail: Reader, tableLiobns: ReadonlySet<number>): PhbConfig[] {
  if (!Array.isArray(v)) fail(where, 'must be an array of PHBs');
  const seen = new Set<number>();
  return v.map((p, i) => {
    const at = `${where}[${i}]`;
    if (!isPlainObject(p)) fail(at, 'must be an object');
    checkFields(p, PHB_FIELDS, at, fail);
    if (p.index === undefined) fail(`${at}.index`, 'is required');
    const c = defaultPhbConfig(parseSmallInt(p.index, `${at}.index`, fail, 0, PHB_MAX_INDEX));
    if (seen.has(c.index)) fail(`${at}.index`, `${c.index} is used by an earlier PHB`);
    seen.add(c.index);
    for (const n of [0, 1]) {
      const liobn = phbLiobn(c.index, n);
      if (tableLiobns.has(liobn)) fail(`${at}.index`, `PHB ${c.index}'s window ${n} has LIOBN 0x${liobn.toString(16)}, which machine.tables also has`);
    }
    if (p.ddw !== undefined) c.ddw = parseBool(p.ddw, `${at}.ddw`, fail);
    if (p.dmaWinAddr !== undefined) c.dmaWinAddr = parseU64(p.dmaWinAddr, `${at}.dmaWinAddr`, fail);
    if (p.dmaWinSize !== undefined) c.dmaWinSize = parseU64(p.dmaWinSize, `${at}.dmaWinSize`, fail);
    if (p.dma64WinAddr !== undefined) c.dma64WinAddr = parseU64(p.dma64WinAddr, `${at}.dma64WinAddr`, fail);
    if (p.pageSizeMask !== undefined) {
      const mask = parseU64(p.pageSizeMask, `${at}.pageSizeMask`, fail);
      if ((mask & ~BigInt(QUERY_MASK_ALL)) !== 0n) fail(`${at}.pageSizeMask`, `${p.pageSizeMask as string | number} has bits outside the LoPAPR page sizes (0x${QUERY_MASK_ALL.toString(16)})`);
      c.pageSizeMask = Number(mask);
    }
    if ((c.dmaWinAddr & 0xfffn) !== 0n) fail(`${at}.dmaWinAddr`, `${String(p.dmaWinAddr)} is not aligned to the default window's 4 KiB pages`);
    if (c.dmaWinSize < 0x1000n || (c.dmaWinSize & 0xfffn) !== 0n || c.dmaWinSize > MAX_DEFAULT_WINDOW_BYTES) {
      fail(`${at}.dmaWinSize`, `${String(p.dmaWinSize)} must be a multiple of 4 KiB from 4 KiB to 16 GiB`);
    }
    if (c.dmaWinAddr + c.dmaWinSize > 1n << 64n) fail(`${at}.dmaWinSize`, 'the default window runs past the 64-bit bus space');
    if ((c.dma64WinAddr & 0xfffn) !== 0n) fail(`${at}.dma64WinAddr`, `${String(p.dma64WinAddr)} is not 4 KiB aligned`);
    return c;
  });
}
