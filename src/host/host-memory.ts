/**
 * Host pages with pin counts and locked-memory accounting (locked_vm against RLIMIT_MEMLOCK).
 * A pin is counted once per pin of a host page: the same page pinned by preregistration and by
 * a v1 map counts twice, and each pin is released exactly once.
 * Runs in: the main thread (the host kernel on behalf of QEMU's ioctls).
 */
import { HOST_CHARGE, HOST_PIN, HOST_REFUND, HOST_UNPIN } from '../events/layout.js';
import { ENOMEM } from './errno.js';

export class HostMemory {
  /** Pin count per host page (by host page number). */
  private readonly pins = new Map<number, number>();
  /** Sum of all pin counts. */
  pinnedPages = 0;
  lockedBytes = 0;
  /** Totals since start, for the report. */
  pinsTaken = 0;
  pinsReleased = 0;

  /** Hears every change (the event log): HOST_PIN/UNPIN with the page's address, HOST_CHARGE/REFUND with bytes. */
  log: ((op: number, value: number) => void) | null = null;

  constructor(readonly pageShift: number, public lockedLimit: number) {}

  /** account_locked_vm(+): 0, or -ENOMEM over the limit (nothing charged). */
  charge(bytes: number): number {
    if (this.lockedBytes + bytes > this.lockedLimit) return -ENOMEM;
    this.lockedBytes += bytes;
    this.log?.(HOST_CHARGE, bytes);
    return 0;
  }

  /** account_locked_vm(-); never below zero, which would mean a double refund. */
  refund(bytes: number): void {
    if (bytes > this.lockedBytes) throw new Error(`locked memory refund of ${bytes} bytes exceeds the ${this.lockedBytes} charged`);
    this.lockedBytes -= bytes;
    this.log?.(HOST_REFUND, bytes);
  }

  /** Pin the host page holding host physical address hpa. */
  pin(hpa: number): void {
    const page = Math.floor(hpa / 2 ** this.pageShift);
    this.pins.set(page, (this.pins.get(page) ?? 0) + 1);
    this.pinnedPages++;
    this.pinsTaken++;
    this.log?.(HOST_PIN, page * 2 ** this.pageShift);
  }

  /** Release one pin; releasing a page that is not pinned is a bug in the caller, said loudly. */
  unpin(hpa: number): void {
    const page = Math.floor(hpa / 2 ** this.pageShift);
    const n = this.pins.get(page) ?? 0;
    if (n === 0) throw new Error(`host page 0x${(page * 2 ** this.pageShift).toString(16)} released but not pinned`);
    if (n === 1) this.pins.delete(page);
    else this.pins.set(page, n - 1);
    this.pinnedPages--;
    this.pinsReleased++;
    this.log?.(HOST_UNPIN, page * 2 ** this.pageShift);
  }

  pinCount(hpa: number): number {
    return this.pins.get(Math.floor(hpa / 2 ** this.pageShift)) ?? 0;
  }
}
