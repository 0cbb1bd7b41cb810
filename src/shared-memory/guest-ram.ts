import { RAM_PAGE_ABSENT, RAM_PAGE_HUGE, RAM_PAGE_OLD } from './layout.js';

/**
 * Guest RAM: one memory slot at guest physical address 0, in shared memory, plus a byte per
 * host page telling whether real mode could reach it without sleeping.
 * Runs in: any tier (reads are allocation-free).
 */
export class GuestRam {
  readonly bytes: Uint8Array;
  readonly data: DataView;
  readonly pageFlags: Uint8Array;
  /** RAM size in bytes, rounded down to whole host pages (memslots are page-granular). */
  readonly slotBytes: number;
  readonly hostPageShift: number;
  readonly hostPageBytes: number;

  constructor(ram: SharedArrayBuffer, pageFlags: SharedArrayBuffer, hostPageShift: number) {
    this.bytes = new Uint8Array(ram);
    this.data = new DataView(ram);
    this.pageFlags = new Uint8Array(pageFlags);
    this.hostPageShift = hostPageShift;
    this.hostPageBytes = 2 ** hostPageShift;
    this.slotBytes = Math.floor(ram.byteLength / 2 ** hostPageShift) * 2 ** hostPageShift;
  }

  /** Whether guest physical address (hi, lo) lies in a memslot. */
  contains(hi: number, lo: number): boolean {
    return hi < 0x200000 && hi * 4294967296 + lo < this.slotBytes;
  }

  /** Whether [gpa, gpa + length) lies in RAM; gpa is a plain number. */
  containsRange(gpa: number, length: number): boolean {
    return gpa >= 0 && gpa + length <= this.slotBytes;
  }

  /** Whether real mode can reach the host page behind gpa without sleeping. */
  reachableInRealMode(gpa: number): boolean {
    const flags = this.pageFlags[Math.floor(gpa / this.hostPageBytes)];
    return flags === 0;
  }

  /** Big-endian u64 at gpa: high and low halves (caller checked the range). */
  readBeHi(gpa: number): number {
    return this.data.getUint32(gpa, false);
  }
  readBeLo(gpa: number): number {
    return this.data.getUint32(gpa + 4, false);
  }

  /** The guest writes a big-endian u64 at gpa from its halves (caller keeps it inside RAM). */
  writeBeHalves(gpa: number, hi: number, lo: number): void {
    this.data.setUint32(gpa, hi >>> 0, false);
    this.data.setUint32(gpa + 4, lo >>> 0, false);
  }

  /** Edge helper: the guest writes a big-endian u64 (ignored outside RAM, as a write to nothing). */
  writeBe64(gpa: bigint, value: bigint): void {
    if (gpa < 0n || gpa + 8n > BigInt(this.bytes.byteLength)) return;
    this.data.setBigUint64(Number(gpa), value, false);
  }

  /** Edge helper: mark a host page's state (workloads use it to make lists unreachable). */
  setHostPageState(gpa: number, state: { absent?: boolean; huge?: boolean; old?: boolean }): void {
    const page = Math.floor(gpa / 2 ** this.hostPageShift);
    if (page < 0 || page >= this.pageFlags.length) throw new RangeError(`guest address 0x${gpa.toString(16)} is outside RAM`);
    this.pageFlags[page] = (state.absent ? RAM_PAGE_ABSENT : 0) | (state.huge ? RAM_PAGE_HUGE : 0) | (state.old ? RAM_PAGE_OLD : 0);
  }
}
