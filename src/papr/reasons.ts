/**
 * Why a kernel tier gave up (H_TOO_HARD). Numbered so the real-mode path can record one
 * in a frame or an event record without allocating; 0 is no reason.
 */
/** The LIOBN has no kernel table (unknown, or a userspace-only table). */
export const REASON_NO_TABLE = 1;
/** A guest-view backing page is not allocated and real mode cannot allocate. */
export const REASON_PAGE_NOT_ALLOCATED = 2;
/** A TCE's address is outside the guest RAM memslots. */
export const REASON_OUTSIDE_RAM = 3;
/** The INDIRECT list page is outside the guest RAM memslots. */
export const REASON_LIST_OUTSIDE_RAM = 4;
/** The INDIRECT list page cannot be reached without sleeping (absent, huge or old PTE). */
export const REASON_LIST_UNREACHABLE = 5;
/** Reading the INDIRECT list faulted in virtual mode. */
export const REASON_LIST_FAULT = 6;
/** The table's spinlock was not taken within the spin budget. */
export const REASON_LOCK_CONTENDED = 7;
/** The event ring is full and real mode may not wait. */
export const REASON_LOG_FULL = 8;
/** INDIRECT/STUFF are not enabled in the kernel (KVM_CAP_PPC_ENABLE_HCALL not set). */
export const REASON_HCALL_DISABLED = 9;
/** Not a TCE hcall: the kernel tiers have no handler for it. */
export const REASON_NOT_TCE_HCALL = 10;
/** Virtual mode punts a misaligned TCE address to userspace. */
export const REASON_MISALIGNED_TCE = 11;
/** A hardware table is attached and the address is not in preregistered memory. */
export const REASON_NOT_PREREGISTERED = 12;
/** The preregistered region's page is smaller than the hardware IOMMU page. */
export const REASON_PREREG_PAGE_TOO_SMALL = 13;
/** The hardware table's userspace-address cache is not allocated yet (real mode). */
export const REASON_UA_CACHE_MISSING = 14;
/** The preregistered region is being unregistered. */
export const REASON_REGION_UNREGISTERING = 15;
/** A hardware table level is missing and real mode cannot allocate it. */
export const REASON_HW_LEVEL_MISSING = 16;
/** The worker running the tier died mid-call; the tier is tried again (a retry, not an escalation). */
export const REASON_WORKER_CRASHED = 17;

export const REASON_NAMES = [
  'none',
  'no-table',
  'page-not-allocated',
  'outside-ram',
  'list-outside-ram',
  'list-unreachable',
  'list-fault',
  'lock-contended',
  'log-full',
  'hcall-disabled',
  'not-tce-hcall',
  'misaligned-tce',
  'not-preregistered',
  'prereg-page-too-small',
  'ua-cache-missing',
  'region-unregistering',
  'hw-level-missing',
  'worker-crashed',
] as const;
export type ReasonName = (typeof REASON_NAMES)[number];

export function reasonName(reason: number): ReasonName {
  const name = REASON_NAMES[reason];
  if (name === undefined) throw new RangeError(`no escalation reason ${reason}`);
  return name;
}
