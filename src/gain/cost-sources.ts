/**
 * Where each default cost comes from, in one line each (the arithmetic is in
 * docs/modelled-time.md): a published measurement, or an assumption for which none was found.
 */
import type { CostName } from '../pipeline/costs.js';

export interface CostSource {
  readonly kind: 'measured' | 'assumption';
  readonly what: string;
  readonly source: string;
}

export const COST_SOURCES: Readonly<Record<CostName, CostSource>> = {
  realmodeEntry: { kind: 'measured', what: 'hcall into real mode and back', source: 'POWER8 "sc 1" 826 cycles at an assumed 3.5 GHz (commit "powerpc/64s: Optimize hypercall/syscall entry")' },
  virtmodeEntry: { kind: 'measured', what: 'full exit to the MMU-on host and back', source: 'POWER8: rm_exit 4244 + rm_entry 3060 ns (commit "Use msgsnd for signalling threads on POWER8"); POWER9: guest_entry 942 + guest_exit 826 ns (commit "Provide more detailed timings for P9 entry path")' },
  userspaceEntry: { kind: 'measured', what: 'KVM_RUN returns to QEMU and re-enters', source: 'vcpu_run exit 50 + entry 223 ns (P9 timings commit) + a syscall round trip, 320 POWER8 cycles (getppid)' },
  qemuDispatch: { kind: 'assumption', what: "QEMU's hcall dispatch (big lock, handler lookup)", source: 'no published measurement found' },
  realmodePerEntry: { kind: 'assumption', what: 'one TCE checked and written in real mode', source: 'no published measurement found' },
  virtmodePerEntry: { kind: 'assumption', what: 'one TCE checked and written in virtual mode', source: 'no published measurement found' },
  userspacePerEntry: { kind: 'assumption', what: 'one TCE checked and written by QEMU', source: 'no published measurement found' },
  pageAllocate: { kind: 'assumption', what: 'a TCE backing page allocated (also: a page pinned, tcesim pamu)', source: 'no published measurement found' },
  hwEntry: { kind: 'assumption', what: 'a hardware TCE written and its cache invalidated', source: 'no published measurement found' },
  vfioIoctl: { kind: 'assumption', what: 'a VFIO MAP_DMA/UNMAP_DMA ioctl from QEMU', source: 'syscall round trip 91 ns (getppid, 320 POWER8 cycles) + 400 ns of VFIO work assumed' },
  pinPage: { kind: 'assumption', what: 'a page pinned or unpinned for a v1 map', source: 'no published measurement found' },
  preregLookup: { kind: 'assumption', what: 'preregistered memory looked up for a hardware TCE (v2)', source: 'no published measurement found' },
};
