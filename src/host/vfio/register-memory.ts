/**
 * VFIO_IOMMU_SPAPR_REGISTER_MEMORY / UNREGISTER_MEMORY (v2 only; v1 is -ENOTTY): preregister
 * QEMU's guest RAM mapping so maps translate without pinning (src/host/prereg.ts).
 * Registering enables the container.
 */
import { EBADF, EBUSY, EINVAL, ENOENT, ENOTTY, EPERM } from '../errno.js';
import type { VfioContainer } from './container.js';

export interface MemoryRange {
  vaddr: bigint;
  size: bigint;
  flags?: number;
}

function aligned(c: VfioContainer, r: MemoryRange): boolean {
  const page = 2n ** BigInt(c.host.memory.pageShift);
  return r.vaddr % page === 0n && r.size % page === 0n && r.vaddr >= 0n && r.vaddr + r.size < 2n ** 64n;
}

export function vfioIommuSpaprRegisterMemory(c: VfioContainer, r: MemoryRange): number {
  return c.host.done('REGISTER_MEMORY', register(c, r), c.id);
}

function register(c: VfioContainer, r: MemoryRange): number {
  if (c.released) return -EBADF;
  if (!c.v2) return -ENOTTY;
  c.mmBound = true;
  if ((r.flags ?? 0) !== 0) return -EINVAL;
  if (!aligned(c, r) || r.size === 0n) return -EINVAL;
  const ua = Number(r.vaddr);
  const bytes = Number(r.size);
  const held = c.host.prereg.exact(ua, bytes);
  if (held >= 0 && c.regions.has(held)) return -EBUSY;
  const got = c.host.prereg.acquire(ua, bytes);
  if (got < 0) return got;
  c.regions.add(got);
  c.enabled = true;
  return 0;
}

export function vfioIommuSpaprUnregisterMemory(c: VfioContainer, r: MemoryRange): number {
  return c.host.done('UNREGISTER_MEMORY', unregister(c, r), c.id);
}

function unregister(c: VfioContainer, r: MemoryRange): number {
  if (c.released) return -EBADF;
  if (!c.v2) return -ENOTTY;
  if (!c.mmBound) return -EPERM;
  if ((r.flags ?? 0) !== 0) return -EINVAL;
  if (!aligned(c, r)) return -EINVAL;
  const region = c.host.prereg.exact(Number(r.vaddr), Number(r.size));
  if (region < 0 || !c.regions.has(region)) return -ENOENT;
  const ret = c.host.prereg.release(region);
  if (ret === -EBUSY) return ret;
  c.regions.delete(region);
  return ret;
}
