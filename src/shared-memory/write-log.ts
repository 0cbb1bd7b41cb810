/**
 * What a table write tells the event log. Declared here, below the events layer, so the tables
 * can report every write without knowing who listens. Implemented by src/events/writer.ts.
 * Every method is allocation-free and called under the table's lock.
 */
export interface WriteLog {
  /** Room for up to n write records before the first write is made; false: make none (ring full). */
  reserveWrites(n: number): boolean;
  recordWrite(hw: boolean, table: number, index: number, oldHi: number, oldLo: number, newHi: number, newLo: number): void;
  /**
   * Whether consecutive writes are logged as runs (one FILL record each), so a reservation
   * needs room for the runs only, and recordFill may be used.
   */
  readonly coalesces: boolean;
  /**
   * Entries [index, index + count) were all written with hi:lo (only where `coalesces`):
   * `changed` of them changed, `digest` is the sum of entryDigest() over their old values.
   */
  recordFill(hw: boolean, table: number, index: number, count: number, hi: number, lo: number, changed: number, digest: number): void;
  /** The reservation's unused room is given back; before the lock is released. */
  releaseWrites(): void;
}

/**
 * What a run of writes keeps of the values it replaced: the sum (mod 2^32) of this mix of each
 * entry's index and old value, 0 for an entry that held 0 (so clearing clear entries, most of
 * what a 512-page H_STUFF_TCE does, adds nothing). A replay that finds another old value at any
 * index of the run (a lost, reordered or corrupt write) gets another sum, but for a 2^-32 chance.
 */
export function entryDigest(index: number, lo: number, hi: number): number {
  if ((lo | hi) === 0) return 0;
  let h = Math.imul(index ^ 0x27d4eb2f, 0x9e3779b1);
  h = Math.imul(h ^ lo, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ hi, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
