/**
 * The host behind the guest (FORMAT.md `machine.host`): where QEMU maps guest RAM, where it sits
 * in host physical memory, the page size backing it, and RLIMIT_MEMLOCK.
 */
import { HPA_BASE, UA_BASE } from './hw-tables.js';

export interface HostConfig {
  /** QEMU's userspace address of guest physical 0. */
  ramUserAddr: number;
  /** Host physical address of guest physical 0 (one contiguous slot). */
  ramHostPhys: number;
  /** log2 of the host page backing guest RAM (16: 64 KiB pages, 24: 16 MiB huge pages). */
  ramBackingShift: number;
  /** RLIMIT_MEMLOCK in bytes; Infinity for "unlimited". */
  lockedLimit: number;
}

export function defaultHostConfig(): HostConfig {
  return { ramUserAddr: UA_BASE, ramHostPhys: HPA_BASE, ramBackingShift: 16, lockedLimit: Infinity };
}
