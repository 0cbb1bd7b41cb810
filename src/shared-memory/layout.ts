/**
 * Word layout of the control buffer: a header, then one fixed-size slot per TCE table (the
 * LIOBN registry). Every thread reads the registry straight from shared memory, without a
 * message. Slots are 32 words (128 bytes) apart so that two tables' lock words never share a
 * cache line.
 */
export const CONTROL_MAGIC = 0x54434553; // 'TCES'
export const CONTROL_VERSION = 1;

export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_MAX_TABLES = 2;
export const H_HOST_PAGE_SHIFT = 3;
export const H_FLAGS = 4;
/** Arena entries handed out so far (bump allocator; only the main thread creates tables). */
export const H_ARENA_USED = 5;
export const H_ARENA_CAPACITY = 6;
/** Backing-page flags handed out so far. */
export const H_PAGES_USED = 7;
export const H_PAGES_CAPACITY = 8;
/** Real mode's spinlock budget (compare-and-swap attempts). */
export const H_SPIN_BUDGET = 9;
/** Float64 index of guest RAM size in bytes. */
export const HF_RAM_BYTES = 8;
const HEADER_WORDS = 32;

export const FLAG_IN_KERNEL_MULTI_TCE = 1;
export const FLAG_RANGE_FIRST_PAGE = 2;

const SLOT_WORDS = 32;
export const S_STATE = 0;
export const S_FLAGS = 1;
export const S_LIOBN = 2;
export const S_PAGE_SHIFT = 3;
export const S_ENTRIES = 4;
export const S_BUS_LO = 5;
export const S_BUS_HI = 6;
/** First entry of this table in the arena (entry i lives at words 2(base+i), 2(base+i)+1). */
export const S_DATA = 7;
/** First backing-page flag of this table. */
export const S_PAGES = 8;
export const S_NPAGES = 9;
export const S_LOCK = 10;
/** Bumped whenever the slot is (re)created or removed, or a hardware table is attached to it. */
export const S_GEN = 11;
/** Attached hardware tables (KVM-VFIO links): hardware slot + 1, 0 for none. */
export const S_HW0 = 12;
// Word 13 (S_HW0 + 1): the second attached hardware table.
export const MAX_HW_PER_TABLE = 2;
/** Float64 word pair: window start in IOMMU pages (busOffset >> pageShift, < 2^53). */
export const S_OFFSET_PAGES_F64_WORD = 16;

export const STATE_FREE = 0;
export const STATE_LIVE = 1;
/** The table is held by KVM (kvmppc_spapr_tce_table), shared with the QEMU model by mmap. */
export const SLOT_IN_KERNEL = 1;

export function slotBase(slot: number): number {
  return HEADER_WORDS + slot * SLOT_WORDS;
}

export function controlWords(maxTables: number): number {
  return HEADER_WORDS + maxTables * SLOT_WORDS;
}

/** Guest RAM host-page state: zero means present, base-size and recently accessed. */
export const RAM_PAGE_ABSENT = 1;
export const RAM_PAGE_HUGE = 2;
export const RAM_PAGE_OLD = 4;
