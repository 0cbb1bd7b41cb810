/**
 * VFIO_IOMMU_MAP_DMA on an sPAPR TCE container (tce_iommu_build, tce_iommu_build_v2): the
 * checks it shares with UNMAP_DMA (dma-range.ts), then its own (vaddr aligned, a direction),
 * then one hardware entry per IOMMU page. v1 pins each page; v2 translates through
 * preregistered memory. Any failure clears every entry this call wrote — except v2's quirk: a
 * region being unregistered just stops the loop and the call returns 0, part-mapped.
 */
import { TCE_PCI_READ, TCE_PCI_WRITE } from '../../papr/tce.js';
import { EFAULT, EINVAL, EPERM } from '../errno.js';
import { dmaRange } from './dma-range.js';
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
  const r = dmaRange(c, m.iova, m.size, m.otherFlags ?? 0);
  if (typeof r === 'number') return r;
  if (m.vaddr % r.page !== 0n || (!m.read && !m.write)) return -EINVAL;
  const perm = (m.read ? TCE_PCI_READ : 0) | (m.write ? TCE_PCI_WRITE : 0);
  c.host.reserveWrites(2 * r.n);
  const ret = c.v2 ? buildV2(c, r.hw, r.first, r.n, Number(m.vaddr), perm) : buildV1(c, r.hw, r.first, r.n, Number(m.vaddr), perm);
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
    install(c, hw, first + i, hpa, perm);
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
    install(c, hw, first + i, iommu.hpaBase + (ua - iommu.uaBase), perm);
  }
  return 0;
}

/**
 * iommu_tce_xchg: entry e now maps hpa. The host kernel (not real mode) allocates a missing
 * indirect level on demand; what the entry mapped before is released.
 */
function install(c: VfioContainer, hw: number, e: number, hpa: number, perm: number): void {
  const t = c.host.tables;
  if (!t.hwLevelPresent(hw, e)) t.hwAllocateLevel(hw, e);
  c.releaseEntry(hw, e);
  t.hwWriteEntry(hw, e, Math.floor(hpa / 4294967296) >>> 0, ((hpa % 4294967296) | perm) >>> 0);
}
