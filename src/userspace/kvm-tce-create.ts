/**
 * KVM_CREATE_SPAPR_TCE_64 as QEMU meets it when it enables a window under KVM
 * (kvmppc_create_spapr_tce -> kvm_vm_ioctl_create_spapr_tce), in the kernel's order: a window of
 * no pages, a page shift outside 12..34 or a window running past the 64-bit bus space is EINVAL;
 * then the table's pages are charged to the VM's locked memory (account_locked_vm: ENOMEM over
 * RLIMIT_MEMLOCK); then a table tcesim cannot hold (more than MAX_KERNEL_WINDOW_ENTRIES; the
 * kernel's allocation failing) is ENOMEM and a LIOBN that already has a kernel table is EBUSY,
 * both with the charge given back. QEMU then prints "KVM: Failed to create TCE64 table for
 * liobn 0x…" and keeps the table in its own memory (fd -1), so a refusal is not an error to the
 * guest: the window works, served by QEMU. Closing the table's fd (QEMU frees the table on a
 * window's removal, a PHB reset, or a move to userspace) gives the charge back.
 * Runs in: userspace (the main thread).
 */
import { EBUSY, EINVAL, ENOMEM } from '../host/errno.js';
import type { Host } from '../host/host.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/** The largest window tcesim lets KVM hold: 2^26 entries, 512 MiB of shared memory. */
const MAX_KERNEL_WINDOW_ENTRIES = 2 ** 26;

export type KvmCreateRefusal = 'EINVAL' | 'EBUSY' | 'ENOMEM';

/**
 * sizeof(struct kvmppc_spapr_tce_table) on ppc64 without lock debugging: list head 16, kvm 8,
 * liobn 8, rcu head 16, page_shift 4 (+4 padding), offset 8, size 8, iommu_tables list 16,
 * alloc_lock (a mutex: owner 8, wait_lock 4, osq 4, wait_list 16) 32; then the page pointers.
 */
const KVM_STT_HEADER_BYTES = 120;

/**
 * kvmppc_stt_pages(kvmppc_tce_pages(entries)): the system pages KVM charges for a table of
 * `entries` TCEs — the pages holding the TCEs (8 bytes each, rounded up to whole pages) plus
 * the pages of the descriptor (its header and one page pointer per TCE page, rounded up).
 */
export function kvmTceTableLockedPages(entries: number, hostPageShift: number): number {
  const page = 2 ** hostPageShift;
  const tcePages = Math.ceil((entries * 8) / page);
  return tcePages + Math.ceil((KVM_STT_HEADER_BYTES + tcePages * 8) / page);
}

/** The same in bytes: what locked_vm grows by. */
export function kvmTceTableLockedBytes(entries: number, hostPageShift: number): number {
  return kvmTceTableLockedPages(entries, hostPageShift) * 2 ** hostPageShift;
}

/**
 * null when KVM creates the table (its pages charged to `host`'s locked memory when the machine
 * has a host), else the errno it answers. With a host, the ioctl is counted and logged.
 */
export function kvmCreateSpaprTce64(t: TceTables, liobn: number, pageShift: number, busOffset: bigint, entries: number, host: Host | null = null): KvmCreateRefusal | null {
  const refusal = createRefusal(t, liobn, pageShift, busOffset, entries, host);
  if (host !== null) {
    const ret = refusal === null ? 0 : refusal === 'EINVAL' ? -EINVAL : refusal === 'EBUSY' ? -EBUSY : -ENOMEM;
    host.done('KVM_CREATE_SPAPR_TCE_64', ret, liobn | 0);
  }
  return refusal;
}

function createRefusal(t: TceTables, liobn: number, pageShift: number, busOffset: bigint, entries: number, host: Host | null): KvmCreateRefusal | null {
  if (entries === 0 || pageShift < 12 || pageShift > 34) return 'EINVAL';
  const offsetPages = busOffset >> BigInt(pageShift);
  if (offsetPages + BigInt(entries) > 0xffffffffffffffffn >> BigInt(pageShift)) return 'EINVAL';
  const bytes = kvmTceTableLockedBytes(entries, t.hostPageShift);
  // The kernel charges, then fails the allocation or finds the LIOBN taken and refunds: the
  // same net effect as checking first, without a charge and refund in the log.
  if (host !== null && host.memory.lockedBytes + bytes > host.memory.lockedLimit) return 'ENOMEM';
  if (entries > MAX_KERNEL_WINDOW_ENTRIES) return 'ENOMEM';
  const slot = t.findTable(liobn);
  if (slot >= 0 && t.isInKernel(slot)) return 'EBUSY';
  if (host !== null && host.memory.charge(bytes) !== 0) return 'ENOMEM';
  return null;
}

/** The table's fd is closed (kvm_spapr_tce_release): its locked memory is given back. */
export function kvmReleaseSpaprTce(t: TceTables, slot: number, host: Host | null): void {
  kvmReleaseTable(t, t.entries(slot), host);
}

/** The same for a table of `entries` TCEs KVM made but QEMU never got to use. */
export function kvmReleaseTable(t: TceTables, entries: number, host: Host | null): void {
  host?.memory.refund(kvmTceTableLockedBytes(entries, t.hostPageShift));
}
