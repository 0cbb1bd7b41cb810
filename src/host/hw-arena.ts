/**
 * Ranges of a shared array (arena entries, page flags) given back by removed hardware tables,
 * handed out again first fit. The kernel frees a window's table when the window is removed, so
 * a long run of TCE_CREATE/TCE_REMOVE with nothing live never runs out of memory; without this
 * the simulator's bump allocator would, and answer ENOMEM.
 *
 * Runs in: the main thread only (it creates and removes tables). Real mode never reaches it: a
 * table's range is fixed while the table lives.
 */
export class RangeFreeList {
  /** Free ranges sorted by start, never touching one another (neighbours are merged). */
  private readonly starts: number[] = [];
  private readonly counts: number[] = [];

  /** The start of `count` units taken from the lowest range that holds them, or -1. */
  take(count: number): number {
    for (let i = 0; i < this.starts.length; i++) {
      const n = this.counts[i]!;
      if (n < count) continue;
      const start = this.starts[i]!;
      if (n === count) {
        this.starts.splice(i, 1);
        this.counts.splice(i, 1);
      } else {
        this.starts[i] = start + count;
        this.counts[i] = n - count;
      }
      return start;
    }
    return -1;
  }

  /** Give [start, start + count) back, merging it with the free ranges it touches. */
  give(start: number, count: number): void {
    if (count <= 0) return;
    let i = 0;
    while (i < this.starts.length && this.starts[i]! < start) i++;
    const prev = i - 1;
    // A range given twice would later be handed to two tables at once.
    if ((prev >= 0 && this.starts[prev]! + this.counts[prev]! > start) || (i < this.starts.length && start + count > this.starts[i]!)) {
      throw new RangeError(`free range ${start}+${count} overlaps one already free`);
    }
    const joinsPrev = prev >= 0 && this.starts[prev]! + this.counts[prev]! === start;
    const joinsNext = i < this.starts.length && start + count === this.starts[i]!;
    if (joinsPrev && joinsNext) {
      this.counts[prev] = this.counts[prev]! + count + this.counts[i]!;
      this.starts.splice(i, 1);
      this.counts.splice(i, 1);
    } else if (joinsPrev) {
      this.counts[prev] = this.counts[prev]! + count;
    } else if (joinsNext) {
      this.starts[i] = start;
      this.counts[i] = this.counts[i]! + count;
    } else {
      this.starts.splice(i, 0, start);
      this.counts.splice(i, 0, count);
    }
  }

  /** The free ranges as [start, count] pairs, lowest first (tests and diagnostics). */
  ranges(): [number, number][] {
    return this.starts.map((s, i) => [s, this.counts[i]!]);
  }
}
