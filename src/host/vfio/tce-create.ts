/**
 * VFIO_IOMMU_SPAPR_TCE_CREATE (v2): a new hardware table, charged to locked memory, programmed
 * into every group of the container; the platform picks the bus address (window 0 at the
 * 32-bit start, window 1 at 1 << 59). Also the pending default window, created on first use.
 */
import { EBADF, EINVAL, ENOMEM, ENOSPC, ENOTTY, ENXIO, EPERM } from '../errno.js';
import { MAX_CONTAINER_TABLES, SECOND_WINDOW_BUS, type VfioContainer } from './container.js';

export interface TceCreate {
  pageShift: number;
  windowSize: bigint;
  levels: number;
  flags?: number;
}

export function vfioIommuSpaprTceCreate(c: VfioContainer, w: TceCreate): { ret: number; startAddr?: bigint } {
  const r = tceCreate(c, w);
  c.host.done('TCE_CREATE', r.ret, c.id);
  return r;
}

function tceCreate(c: VfioContainer, w: TceCreate): { ret: number; startAddr?: bigint } {
  if (c.released) return { ret: -EBADF };
  if (!c.v2) return { ret: -ENOTTY };
  c.mmBound = true;
  if (c.attached.length === 0) return { ret: -ENXIO };
  if ((w.flags ?? 0) !== 0) return { ret: -EINVAL };
  const d = createDefaultWindow(c);
  if (d !== 0) return { ret: d };
  return createWindow(c, w.pageShift, w.windowSize, w.levels);
}

/** tce_iommu_create_default_window: 4 KiB pages over the 32-bit window, one level. */
export function createDefaultWindow(c: VfioContainer): number {
  if (!c.defWindowPending) return 0;
  const g = c.attached[0];
  if (g === undefined) return 0;
  const r = createWindow(c, 12, g.config.tce32Size, 1);
  if (r.ret === 0) c.defWindowPending = false;
  return r.ret;
}

/**
 * pnv_pci_ioda2_get_table_size, restated: the bytes of a table of `levels` levels for the
 * window (every level page at least a system page), twice — the hardware table and its
 * userspace-address copy. 0 for an invalid combination.
 */
export function tableBytes(pageShift: number, windowSize: bigint, levels: number, maxLevels: number, sysPageShift: number): number {
  if (levels < 1 || levels > maxLevels || windowSize <= 0n || (windowSize & (windowSize - 1n)) !== 0n) return 0;
  const windowShift = windowSize.toString(2).length - 1;
  if (windowShift < pageShift) return 0;
  let entriesShift = windowShift - pageShift;
  let tceTableSize = Math.max(0x1000, 2 ** (entriesShift + 3));
  entriesShift = Math.floor((entriesShift + levels - 1) / levels);
  const directTableSize = 2 ** Math.max(entriesShift + 3, sysPageShift);
  let bytes = 0;
  for (let l = levels; l > 0; l--) {
    bytes += Math.ceil(tceTableSize / directTableSize) * directTableSize;
    tceTableSize = Math.max((tceTableSize / directTableSize) * 8, directTableSize);
  }
  return bytes * 2;
}

function createWindow(c: VfioContainer, pageShift: number, windowSize: bigint, levels: number): { ret: number; startAddr?: bigint } {
  let num = -1;
  for (let k = 0; k < MAX_CONTAINER_TABLES; k++) if ((c.tables[k] as number) < 0) { num = k; break; }
  const g = c.attached[0]!;
  if (num < 0 || num >= g.config.maxWindows) return { ret: -ENOSPC };
  if (!Number.isInteger(pageShift) || pageShift < 0 || pageShift > 63 || (g.config.pageSizes & (1n << BigInt(pageShift))) === 0n) return { ret: -EINVAL };
  if (g.config.ops !== 'ddw') return { ret: -EPERM };
  const bytes = tableBytes(pageShift, windowSize, levels, g.config.maxLevels, c.host.memory.pageShift);
  if (bytes === 0) return { ret: -EINVAL };
  const charged = c.host.memory.charge(bytes);
  if (charged !== 0) return { ret: charged };
  const start = num === 0 ? g.config.tce32Start : SECOND_WINDOW_BUS;
  let hw: number;
  try {
    hw = c.host.tables.createHwTable({ pageShift, entries: Number(windowSize >> BigInt(pageShift)), busOffset: start, levels });
  } catch {
    // The simulator's arena is full: the kernel's allocation failure.
    c.host.memory.refund(bytes);
    return { ret: -ENOMEM };
  }
  c.host.hwGet(hw);
  c.tables[num] = hw;
  c.tableCharge[num] = bytes;
  c.tableCreated[num] = true;
  for (const grp of c.attached) grp.windows[num] = hw;
  return { ret: 0, startAddr: start };
}
