/**
 * The shared buffers of one simulated machine: what they hold, and their allocation on the main
 * thread. Each thread views them through its own TceTables (tce-tables.ts).
 */
import {
  CONTROL_MAGIC, CONTROL_VERSION, FLAG_IN_KERNEL_MULTI_TCE, FLAG_RANGE_FIRST_PAGE,
  H_ARENA_CAPACITY, H_FLAGS, H_HOST_PAGE_SHIFT, H_MAGIC, H_MAX_TABLES, H_PAGES_CAPACITY, H_SPIN_BUDGET, H_VERSION,
  HF_RAM_BYTES, controlWords,
} from './layout.js';
import { hostWords, initHostBuffer } from '../host/hw-tables.js';

/** The shared buffers of one simulated machine; post this object to a worker to share them. */
export interface SharedMachine {
  readonly control: SharedArrayBuffer;
  /** TCE entries of every table, two Int32 words (lo, hi) per entry. */
  readonly arena: SharedArrayBuffer;
  /** One Int32 per kernel backing page: 1 when allocated. */
  readonly pages: SharedArrayBuffer;
  readonly ram: SharedArrayBuffer;
  readonly ramPageFlags: SharedArrayBuffer;
  /** Hardware IOMMU tables and preregistered regions (src/host/hw-tables.ts). */
  readonly host: SharedArrayBuffer;
}

export interface SharedMachineOptions {
  ramBytes: number;
  hostPageShift: number;
  inKernelMultiTce: boolean;
  rangeCheck: 'full' | 'firstPage';
  maxTables: number;
  /** TCE entries all tables together may hold (lazily committed memory). */
  arenaEntries: number;
  spinBudget: number;
  /** Hardware IOMMU tables that may exist at once. */
  maxHwTables?: number;
  /** Preregistered memory regions that may exist at once. */
  maxRegions?: number;
  /** QEMU's userspace address and the host physical address of guest physical 0 (src/host). */
  ramUserAddr?: number;
  ramHostPhys?: number;
}

const MAX_RAM_BYTES = 2 ** 34;

/** Main thread only: allocate a machine's shared buffers. */
export function allocateSharedMachine(o: SharedMachineOptions): SharedMachine {
  if (!Number.isInteger(o.ramBytes) || o.ramBytes < 2 ** o.hostPageShift || o.ramBytes > MAX_RAM_BYTES) {
    throw new RangeError(`ramBytes 0x${o.ramBytes.toString(16)} must be at least one host page and at most 16 GiB`);
  }
  if (!Number.isInteger(o.hostPageShift) || o.hostPageShift < 12 || o.hostPageShift > 24) {
    throw new RangeError(`hostPageShift ${o.hostPageShift} must be an integer from 12 to 24`);
  }
  const pagesCapacity = Math.ceil(o.arenaEntries / 2 ** (o.hostPageShift - 3)) + o.maxTables;
  const control = new SharedArrayBuffer(controlWords(o.maxTables) * 4);
  const c = new Int32Array(control);
  c[H_MAGIC] = CONTROL_MAGIC;
  c[H_VERSION] = CONTROL_VERSION;
  c[H_MAX_TABLES] = o.maxTables;
  c[H_HOST_PAGE_SHIFT] = o.hostPageShift;
  c[H_FLAGS] = (o.inKernelMultiTce ? FLAG_IN_KERNEL_MULTI_TCE : 0) | (o.rangeCheck === 'firstPage' ? FLAG_RANGE_FIRST_PAGE : 0);
  c[H_ARENA_CAPACITY] = o.arenaEntries;
  c[H_PAGES_CAPACITY] = pagesCapacity;
  c[H_SPIN_BUDGET] = o.spinBudget;
  new Float64Array(control)[HF_RAM_BYTES] = o.ramBytes;
  const maxHw = o.maxHwTables ?? 8;
  const maxRegions = o.maxRegions ?? 16;
  const host = new SharedArrayBuffer(hostWords(maxHw, maxRegions) * 4);
  initHostBuffer(host, maxHw, maxRegions, o.ramUserAddr, o.ramHostPhys);
  return {
    host,
    control,
    arena: new SharedArrayBuffer(o.arenaEntries * 8),
    pages: new SharedArrayBuffer(pagesCapacity * 4),
    ram: new SharedArrayBuffer(o.ramBytes),
    ramPageFlags: new SharedArrayBuffer(Math.ceil(o.ramBytes / 2 ** o.hostPageShift)),
  };
}
