/**
 * What a table write tells the event log. Declared here, below the events layer, so the tables
 * can report every write without knowing who listens. Implemented by src/events/writer.ts.
 * Every method is allocation-free and called under the table's lock.
 */
export interface WriteLog {
  /** Room for up to n writes before the first is made; false: make none (ring full). */
  reserveWrites(n: number): boolean;
  recordWrite(hw: boolean, table: number, index: number, oldHi: number, oldLo: number, newHi: number, newLo: number): void;
  /** The reservation's unused room is given back; before the lock is released. */
  releaseWrites(): void;
}
