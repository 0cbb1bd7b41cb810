/**
 * VFIO_IOMMU_MAP_DMA on an sPAPR TCE container (tce_iommu_build, tce_iommu_build_v2): checks in
 * the kernel's order, then one hardware entry per IOMMU page. v1 pins each page; v2 translates
 * through preregistered memory. Any failure clears every entry this call wrote — except v2's
 * quirk: a region being unregistered just stops the loop and the call returns 0, part-mapped.
 */
import { TCE_PCI_READ, TCE_PCI_WRITE } from '../../papr/tce.js';
import { EBADF, EFAULT, EINVAL, ENOTTY, ENXIO, EPERM } from '../errno.js';
import { createDefaultWindow } from './tce-create.js';
import type { VfioContainer } from './container.js';

export interface DmaMap {
  vaddr: bigint;
  iova: bigint;
  size: bigint;
  read: boolean;
  write: boolean;
  /** Raw flags beyond READ/WRITE, for misuse checks (0 normally). */
  otherFlags?: number;
}

export function vfioIommuMapDma(c: VfioContainer, m: DmaMap): number {
  return c.host.done('MAP_DMA', mapDma(c, m), c.id);
}

function mapDma(c: VfioContainer, m: DmaMap): number {
  if (c.released) return -EBADF;
  if (c.iommu === 'none') return -ENOTTY;
  if (!c.enabled) return -EPERM;
  if ((m.otherFlags ?? 0) !== 0) return -EINVAL;
  const created = createDefaultWindow(c);
  if (created !== 0) return created;
  const k = c.findTable(m.iova);
  if (k < 0) return -ENXIO;
  const t = c.host.tables;
  const hw = c.tables[k] as number;
  const shift = t.hwPageShift(hw);
  const page = 2n ** BigInt(shift);
  if (m.size % page !== 0n || m.vaddr % page !== 0n) return -EINVAL;
  if (!m.read && !m.write) return -EINVAL;
  const perm = (m.read ? TCE_PCI_READ : 0) | (m.write ? TCE_PCI_WRITE : 0);
  // iommu_tce_put_param_check, and the whole range inside the window.
  const start = t.hwBusOffset(hw);
  if (m.iova % page !== 0n) return -EINVAL;
  const first = Number((m.iova - start) >> BigInt(shift));
  const n = Number(m.size >> BigInt(shift));
  if (first + n > t.hwEntries(hw)) return -EINVAL;
  c.host.reserveWrites(2 * n);
  const ret = c.v2 ? buildV2(c, hw, first, n, Number(m.vaddr), perm) : buildV1(c, hw, first, n, Number(m.vaddr), perm);
  c.host.releaseWrites();
  return ret;
}

/** Guest physical address behind QEMU's address ua, or -1 outside guest RAM. */
function gpaOf(c: VfioContainer, ua: number, bytes: number): number {
  const gpa = ua - c.host.config.ramUserAddr;
  return gpa >= 0 && gpa + bytes <= c.host.tables.ram.slotBytes ? gpa : -1;
}

function buildV1(c: VfioContainer, hw: number, first: number, n: number, vaddr: number, perm: number): number {
  const t = c.host.tables;
  const shift = t.hwPageShift(hw);
  const page = 2 ** shift;
  const hpaBase = c.host.config.ramHostPhys;
  for (let i = 0; i < n; i++) {
    const gpa = gpaOf(c, vaddr + i * page, page);
    // get_user_pages fails outside QEMU's mappings; an IOMMU page larger than the pinned host
    // page would expose memory the pin does not hold.
    let err = 0;
    if (gpa < 0) err = -EFAULT;
    else if (shift > c.host.config.ramBackingShift) err = -EPERM;
    if (err !== 0) {
      c.clearEntries(hw, first, i);
      return err;
    }
    const hpa = hpaBase + gpa;
    c.host.memory.pin(hpa);
    ensureLevel(c, hw, first + i);
    c.releaseEntry(hw, first + i);
    t.hwWriteEntry(hw, first + i, Math.floor(hpa / 4294967296) >>> 0, ((hpa % 4294967296) | perm) >>> 0);
  }
  return 0;
}

function buildV2(c: VfioContainer, hw: number, first: number, n: number, vaddr: number, perm: number): number {
  const t = c.host.tables;
  const shift = t.hwPageShift(hw);
  const page = 2 ** shift;
  const iommu = t.hw;
  if (!t.hwUaCache(hw)) t.hwAllocateUaCache(hw);
  for (let i = 0; i < n; i++) {
    const ua = vaddr + i * page;
    const r = iommu.regionFor(ua, page);
    let err = 0;
    if (r < 0 || iommu.regionPageShift(r) < shift) err = -EINVAL;
    else if (shift > c.host.config.ramBackingShift) err = -EPERM;
    if (err !== 0) {
      c.clearEntries(hw, first, i);
      return err;
    }
    // The quirk: the loop stops with no error set, so nothing is rolled back.
    if (!iommu.mappedInc(r)) return 0;
    const hpa = iommu.hpaBase + (ua - iommu.uaBase);
    ensureLevel(c, hw, first + i);
    c.releaseEntry(hw, first + i);
    t.hwWriteEntry(hw, first + i, Math.floor(hpa / 4294967296) >>> 0, ((hpa % 4294967296) | perm) >>> 0);
  }
  return 0;
}

/** The host kernel (not real mode) allocates a missing indirect level on demand. */
function ensureLevel(c: VfioContainer, hw: number, e: number): void {
  const t = c.host.tables;
  if (!t.hwLevelPresent(hw, e)) t.hwAllocateLevel(hw, e);
}
