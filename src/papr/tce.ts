/** TCE bits and limits (PAPR; Linux asm/tce.h, QEMU spapr_iommu.c). */

/** Device may read host memory (DMA to the device). */
export const TCE_PCI_READ = 0x1;
/** Device may write host memory (DMA from the device). */
export const TCE_PCI_WRITE = 0x2;
/** Neither bit set means "no access": a cleared (or poisoned) entry. */
export const TCE_PERM_MASK = TCE_PCI_READ | TCE_PCI_WRITE;

/** Guest-view table page shifts KVM accepts: 4 KiB .. 16 GiB. */
export const MIN_PAGE_SHIFT = 12;
export const MAX_PAGE_SHIFT = 34;

/** An INDIRECT list is one 4 KiB page of big-endian u64s: 512 entries at most. */
export const TCE_LIST_MAX_ENTRIES = 512;
export const TCE_LIST_ALIGN_MASK = 0xfff;
