/**
 * The machines `tcesim gain` compares, as users know them: a POWER8 host whose KVM handles TCE
 * hcalls in real mode and then virtual mode, a POWER9-or-later host (virtual mode only: hcalls
 * trap straight to the MMU-on host since POWER9, and the real-mode handlers were retired in
 * 2022), and each processor without acceleration (every TCE hcall exits to QEMU). Each drives an
 * emulated device: its TCE table lives in KVM (or only in QEMU) with no hardware IOMMU behind it.
 * The VFIO-passed-through variants are not here yet: the host IOMMU model (src/host) drives
 * conformance machines, but the run pipeline these machines use does not take passed-through
 * devices yet.
 */
import type { Cpu } from '../pipeline/costs.js';
import type { Mode } from '../papr/tiers.js';

export interface GainMachine {
  readonly id: string;
  readonly label: string;
  readonly cpu: Cpu;
  readonly mode: Mode;
  readonly device: 'emulated';
  /** The machine without acceleration on the same processor; null for those machines. */
  readonly baseline: string | null;
}

export const GAIN_MACHINES: readonly GainMachine[] = [
  { id: 'power8-kvm', label: 'POWER8 KVM (real mode, then virtual mode)', cpu: 'power8', mode: 'realmode', device: 'emulated', baseline: 'power8-none' },
  { id: 'power8-none', label: 'POWER8, no acceleration', cpu: 'power8', mode: 'userspace', device: 'emulated', baseline: null },
  { id: 'power9-kvm', label: 'POWER9+ KVM (virtual mode only)', cpu: 'power9', mode: 'virtmode', device: 'emulated', baseline: 'power9-none' },
  { id: 'power9-none', label: 'POWER9+, no acceleration', cpu: 'power9', mode: 'userspace', device: 'emulated', baseline: null },
];

export function gainMachine(id: string): GainMachine {
  const m = GAIN_MACHINES.find((x) => x.id === id);
  if (m === undefined) throw new RangeError(`unknown machine ${JSON.stringify(id)}`);
  return m;
}
