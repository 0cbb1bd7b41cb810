/**
 * One thread's copy of the geometry of the table real mode's fast path used last
 * (src/realmode/fast-path.ts). It stays valid while the slot's generation word is unchanged:
 * creating or removing a table bumps it, so one shared load tells a stale copy.
 */
export class FastTable {
  /** The LIOBN (low half, as an Int32) and the slot's generation when copied; -1: nothing copied. */
  liobn = 0;
  gen = -1;
  slot = 0;
  /** The slot's first control word. */
  base = 0;
  /** IOMMU page shift (at most 31 here) and its mask of low ioba bits. */
  shift = 0;
  mask = 0;
  entries = 0;
  /** Window start in IOMMU pages. */
  offset = 0;
  /** First arena entry and first backing-page flag of the table. */
  data = 0;
  pages = 0;
  /** Control word of the table's lock. */
  lock = 0;
  /** Whether a hardware table is attached (then H_PUT_TCE goes the full way). */
  hw = false;
}
