/**
 * The consumer side of the ring (main thread): take every published record, in order, and
 * hand it in batches to the sinks. Sinks see raw records; those that want TcesimEvents decode.
 */
// Subject alone: the package's index loads all of RxJS (~0.2 s), which every run would wait for.
import { Subject } from 'rxjs/internal/Subject';
import type { Observable } from 'rxjs';
import { EventDecoder } from './decode.js';
import type { TcesimEvent } from './events.js';
import { KIND_TABLE, RECORD_WORDS, R_HEAD, headKind } from './layout.js';
import type { LogFileWriter } from './log-file.js';
import { EventRing, type SharedRing } from './ring.js';

export interface RecordSink {
  /** `count` records at words [0, count * RECORD_WORDS) of `words`; valid only during the call. */
  records(words: Int32Array, count: number): void;
}

const BATCH_RECORDS = 4096;

export class LogDrain {
  readonly ring: EventRing;
  private readonly batch = new Int32Array(BATCH_RECORDS * RECORD_WORDS);
  private readonly sinks: RecordSink[] = [];
  drained = 0;
  private draining = false;

  constructor(shared: SharedRing) {
    this.ring = new EventRing(shared);
  }

  addSink(sink: RecordSink): void {
    this.sinks.push(sink);
  }

  /**
   * Drain what is published, up to one ring's worth (all of it once the producers have
   * stopped); returns the number of records taken.
   */
  drain(): number {
    // A sink that logs through the ring would re-enter; the outer loop picks its records up.
    if (this.draining) return 0;
    this.draining = true;
    let total = 0;
    try {
      // At most one ring's worth per call: producers that keep pace with the drain must not
      // keep the main thread here forever (its timers, messages and signal handlers wait).
      const most = this.ring.capacity;
      while (total < most) {
        const n = this.ring.drainInto(this.batch);
        if (n === 0) break;
        for (const s of this.sinks) s.records(this.batch, n);
        total += n;
      }
    } finally {
      this.draining = false;
    }
    this.drained += total;
    return total;
  }
}

/** Keeps every record (for replay in memory and tests). */
export class MemoryRecordSink implements RecordSink {
  private buf = new Int32Array(1024 * RECORD_WORDS);
  count = 0;

  records(words: Int32Array, count: number): void {
    const need = (this.count + count) * RECORD_WORDS;
    if (need > this.buf.length) {
      const next = new Int32Array(Math.max(need, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.count * RECORD_WORDS));
      this.buf = next;
    }
    this.buf.set(words.subarray(0, count * RECORD_WORDS), this.count * RECORD_WORDS);
    this.count += count;
  }

  words(): Int32Array {
    return this.buf.subarray(0, this.count * RECORD_WORDS);
  }
}

export class FileRecordSink implements RecordSink {
  constructor(readonly file: LogFileWriter) {}
  records(words: Int32Array, count: number): void {
    this.file.append(words, count);
  }
}

/** Decoded events as a hot rxjs stream, for live queries (escalations per second by reason, ...). */
export class EventStreamSink implements RecordSink {
  private readonly subject = new Subject<TcesimEvent>();
  private readonly decoder = new EventDecoder();
  private readonly scratch: TcesimEvent[] = [];
  readonly events$: Observable<TcesimEvent> = this.subject.asObservable();

  records(words: Int32Array, count: number): void {
    const observed = this.subject.observed;
    for (let r = 0; r < count; r++) {
      // Unobserved, only table geometry matters (a later one-record call needs it).
      if (!observed && headKind(words[r * RECORD_WORDS + R_HEAD] as number) !== KIND_TABLE) continue;
      this.scratch.length = 0;
      this.decoder.decode(words, r * RECORD_WORDS, this.scratch);
      for (const e of this.scratch) this.subject.next(e);
    }
  }

  complete(): void {
    this.subject.complete();
  }
}
