/**
 * Spin, then sleep: how a thread of the threaded pipeline waits for a hand-off, as KVM waits
 * for a halted vCPU's next interrupt (halt_poll_ns). Waking a sleeping thread (a futex wait
 * and notify) costs tens of microseconds here; a thread spinning on a shared word sees it
 * change in well under one. So a waiter first polls its word for a short window and sleeps
 * in Atomics.wait only when nothing came.
 *
 * The window adapts per waiter, as KVM's does: a wait that ended in the sleep but within the
 * largest window would have been caught by a longer poll, so the window grows (doubling, from
 * POLL_GROW_START_NS); a wait that slept longer than the largest window means polling is wasted
 * on this hand-off, so it shrinks (halving, to 0 below the start). The largest window is the
 * run's `pollUs` (0: never spin, every hand-off sleeps as before).
 *
 * "Within the window" is judged by when the hand-off was made, not by when the sleeper woke:
 * the sender stamps it (sharedClockMs) and the waiter, once it has the call, passes the stamp
 * to handedOffAt(). KVM can go by the wake-up because an IPI takes microseconds; a futex wake
 * here can take longer than the whole window (tens to a hundred microseconds on an idle VM),
 * and judged by the wake-up every sleep would look long, the window would shrink to 0 and
 * never grow back: every hop would sleep. A wait whose hand-off carries no stamp is judged by
 * how long it slept.
 *
 * Spinning only pays while a core is free for the thread that will answer. Threads that spin
 * hold one of a few shared spinner slots (one per core but one, at least one): when threads
 * outnumber cores the others sleep at once, so a hop then costs no more than the plain futex
 * hand-off. Nothing here touches the modelled clock; polling changes only how soon a thread
 * sees a word another thread wrote.
 */
import { availableParallelism } from 'node:os';
import { sharedClockMs } from './shared-clock.js';

/** First window when a waiter starts to poll, nanoseconds. */
export const POLL_GROW_START_NS = 2_000;
/** Default largest window, microseconds (`--poll-us`). */
export const DEFAULT_POLL_US = 50;
/** Largest window the option takes, microseconds. */
export const MAX_POLL_US = 10_000;
/** The longest single sleep before a waiter checks its word again, milliseconds (a safety net, not a timer). */
const SLEEP_MS = 1000;
/**
 * Spin iterations between clock reads. A read of performance.now() costs ~110 ns here, about
 * a hundred times one look at the word, and in Node 20 it makes a heap number each time (a
 * spinning thread read it millions of times a second and so ran the young-generation GC
 * several times a second, whose helper threads made the machine look crowded): read it about
 * once a microsecond.
 */
const CLOCK_EVERY = 256;
/**
 * A gap this long between two clock reads of one poll means the thread was descheduled while
 * it spun: another thread wanted the core. KVM stops polling then (single_task_running())
 * and so does this: the waiter sleeps. As in KVM the window itself is left to the sleep's
 * outcome (grown or shrunk by when the hand-off came): one preemption says little about the
 * next wait, and dropping the window to 0 on each (as this did before) cost the hops after a
 * descheduling a futex wake each until short sleeps grew it back.
 */
const PREEMPTED_MS = 0.05;
/** How long a waiter tries for a spinner slot before it sleeps, milliseconds. */
const SLOT_RETRY_MS = 0.002;
/**
 * Slot tries between clock reads. Each try is two read-modify-writes on a shared line, far
 * dearer than a look at a word: at CLOCK_EVERY tries a waiter could spin 20 µs or more without
 * a slot, past the spinner limit, where SLOT_RETRY_MS means 2.
 */
const SLOT_CLOCK_EVERY = 16;

/** Spinner slots on this machine: cores but one, at least one. */
export function defaultSpinners(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Per-waiter counters, for the bench and tests. */
export interface PollCounts {
  /** Waits that ended while polling. */
  polled: number;
  /** Waits that went to sleep. */
  slept: number;
  /** Times the window grew and shrank. */
  grew: number;
  shrank: number;
  /** Polls cut short because the thread lost its core while spinning. */
  preempted: number;
  /** Waits that did not poll because threads outnumbered cores. */
  crowded: number;
}

export class HaltPoll {
  /** The current window, nanoseconds. */
  windowNs: number;
  readonly maxNs: number;
  readonly counts: PollCounts = { polled: 0, slept: 0, grew: 0, shrank: 0, preempted: 0, crowded: 0 };

  /**
   * `slots[slotIndex]` counts the threads spinning right now, at most `maxSpinners`, shared
   * by every waiter of the run; while `slots[crowdedIndex]` is nonzero (threads outnumber
   * cores: core-watch.ts) nobody polls.
   */
  constructor(
    pollUs: number, private readonly slots: Int32Array, private readonly slotIndex: number, private readonly maxSpinners: number,
    private readonly crowdedIndex: number,
  ) {
    this.maxNs = pollUs * 1000;
    this.windowNs = Math.min(POLL_GROW_START_NS, this.maxNs);
  }

  /**
   * Poll `word[index]` while it holds `value` (`until` false) or until it holds `value`
   * (`until` true), for up to the window. True when the wait ended while polling; false when
   * the window passed (or no spinner slot was free) and the caller should sleep.
   */
  poll(word: Int32Array, index: number, value: number, until: boolean): boolean {
    if (this.windowNs <= 0) return false;
    if (Atomics.load(this.slots, this.crowdedIndex) !== 0) {
      this.counts.crowded++;
      return false;
    }
    let last = performance.now();
    // The thread this one hands to often still holds the slot for a moment (it has just seen
    // the hand-off): try again for a short while before giving up.
    for (let i = 1; Atomics.add(this.slots, this.slotIndex, 1) >= this.maxSpinners; i++) {
      Atomics.sub(this.slots, this.slotIndex, 1);
      if ((Atomics.load(word, index) === value) === until) {
        this.counts.polled++;
        return true;
      }
      if (i % SLOT_CLOCK_EVERY === 0 && performance.now() - last > SLOT_RETRY_MS) return false;
    }
    const deadline = last + this.windowNs / 1e6;
    let ended = false;
    for (let i = 1; ; i++) {
      if ((Atomics.load(word, index) === value) === until) {
        ended = true;
        break;
      }
      if (i % CLOCK_EVERY === 0) {
        const now = performance.now();
        if (now - last > PREEMPTED_MS) {
          this.counts.preempted++;
          break;
        }
        if (now >= deadline) break;
        last = now;
      }
    }
    Atomics.sub(this.slots, this.slotIndex, 1);
    if (ended) this.counts.polled++;
    return ended;
  }

  /** After a sleep that lasted `sleptNs` (measured from when polling began): grow or shrink the window. */
  adapt(sleptNs: number): void {
    // A crowded machine says nothing about how long this hand-off takes when a core is free.
    if (this.maxNs <= 0 || Atomics.load(this.slots, this.crowdedIndex) !== 0) return;
    if (sleptNs <= this.maxNs) {
      if (this.windowNs < this.maxNs) {
        this.windowNs = this.windowNs === 0 ? Math.min(POLL_GROW_START_NS, this.maxNs) : Math.min(this.windowNs * 2, this.maxNs);
        this.counts.grew++;
      }
    } else if (this.windowNs > 0) {
      this.windowNs = this.windowNs / 2 < POLL_GROW_START_NS ? 0 : this.windowNs / 2;
      this.counts.shrank++;
    }
  }

  /** When the current wait began (sharedClockMs), and, after a sleep not yet adapted to, how long it slept. */
  private waitStartMs = 0;
  private unadaptedSleepNs = -1;

  /** A wait begins (before its poll): settle the last one, if no stamp came for it. */
  beginWait(): void {
    if (this.unadaptedSleepNs >= 0) this.adapt(this.unadaptedSleepNs);
    this.unadaptedSleepNs = -1;
    this.waitStartMs = sharedClockMs();
  }

  /** The wait begun by beginWait() ended asleep: adapt when the hand-off's stamp comes (handedOffAt), else at the next wait. */
  sleptUntilNow(): void {
    this.counts.slept++;
    this.unadaptedSleepNs = (sharedClockMs() - this.waitStartMs) * 1e6;
  }

  /** The hand-off that ended the last wait was made at `atMs` (sharedClockMs): adapt the window by when it came. */
  handedOffAt(atMs: number): void {
    if (this.unadaptedSleepNs < 0) return;
    this.unadaptedSleepNs = -1;
    this.adapt(Math.max(0, (atMs - this.waitStartMs) * 1e6));
  }

  /**
   * Wait until `word[index]` no longer holds `value`: poll, then sleep in Atomics.wait (a
   * blocking wait: worker threads only). While asleep the waiter counts itself in
   * `sleepers[sleeperIndex]`, so the writer notifies only when someone sleeps (wake()).
   * After a sleep, pass the hand-off's stamp to handedOffAt().
   */
  waitWhile(word: Int32Array, index: number, value: number, sleepers: Int32Array, sleeperIndex: number): void {
    this.beginWait();
    if (this.poll(word, index, value, false)) return;
    Atomics.add(sleepers, sleeperIndex, 1);
    while (Atomics.load(word, index) === value) Atomics.wait(word, index, value, SLEEP_MS);
    Atomics.sub(sleepers, sleeperIndex, 1);
    this.sleptUntilNow();
  }

  /** Wait until `word[index]` holds `target` (it may pass through other values first); as waitWhile. */
  waitFor(word: Int32Array, index: number, target: number, sleepers: Int32Array, sleeperIndex: number): void {
    this.beginWait();
    if (this.poll(word, index, target, true)) return;
    Atomics.add(sleepers, sleeperIndex, 1);
    for (let s = Atomics.load(word, index); s !== target; s = Atomics.load(word, index)) Atomics.wait(word, index, s, SLEEP_MS);
    Atomics.sub(sleepers, sleeperIndex, 1);
    this.sleptUntilNow();
  }
}

/**
 * After storing to `word[index]`: wake up to `count` waiters, if any sleeps. A waiter counts
 * itself in `sleepers[sleeperIndex]` before it checks the word and sleeps, so either it sees
 * the store or this sees it counted (all Atomics are sequentially consistent): no wake-up is
 * lost, and a hand-off to a polling thread costs no notify.
 */
export function wake(word: Int32Array, index: number, sleepers: Int32Array, sleeperIndex: number, count = Infinity): void {
  if (Atomics.load(sleepers, sleeperIndex) !== 0) Atomics.notify(word, index, count);
}
