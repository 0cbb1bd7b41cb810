/**
 * KVM_CREATE_SPAPR_TCE_64 as QEMU meets it when it enables a window under KVM
 * (kvmppc_create_spapr_tce -> kvm_vm_ioctl_create_spapr_tce): the kernel refuses a window of
 * no pages, a page shift outside 12..34, a window running past the 64-bit bus space (EINVAL)
 * and a LIOBN that already has a kernel table (EBUSY). QEMU then keeps the table in its own
 * memory, so a refusal is not an error to the guest. tcesim also keeps a table it cannot hold
 * (more than MAX_KERNEL_WINDOW_ENTRIES) out of the kernel. Runs in: userspace (the main thread).
 */
import type { TceTables } from '../shared-memory/tce-tables.js';

/** The largest window tcesim lets KVM hold: 2^26 entries, 512 MiB of shared memory. */
const MAX_KERNEL_WINDOW_ENTRIES = 2 ** 26;

export type KvmCreateRefusal = 'EINVAL' | 'EBUSY' | 'ENOMEM';

/** null when KVM creates the table, else the errno it answers. */
export function kvmCreateSpaprTce64(t: TceTables, liobn: number, pageShift: number, busOffset: bigint, entries: number): KvmCreateRefusal | null {
  if (entries === 0 || pageShift < 12 || pageShift > 34) return 'EINVAL';
  const offsetPages = busOffset >> BigInt(pageShift);
  if (offsetPages + BigInt(entries) > 0xffffffffffffffffn >> BigInt(pageShift)) return 'EINVAL';
  if (entries > MAX_KERNEL_WINDOW_ENTRIES) return 'ENOMEM';
  const slot = t.findTable(liobn);
  if (slot >= 0 && t.isInKernel(slot)) return 'EBUSY';
  return null;
}
