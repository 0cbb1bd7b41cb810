/**
 * The machines `tcesim gain` compares, as users know them: a POWER8 host whose KVM handles TCE
 * hcalls in real mode and then virtual mode, a POWER9-or-later host (virtual mode only: hcalls
 * trap straight to the MMU-on host since POWER9, and the real-mode handlers were retired in
 * 2022), and each processor without acceleration (every TCE hcall exits to QEMU) — each with an
 * emulated device (its TCE table in KVM, or only in QEMU, with no hardware behind it), a device
 * passed through with a VFIO v1 container (KVM cannot map it: no preregistered memory, so QEMU
 * maps page by page with MAP_DMA, pinning), and one with a v2 container, guest RAM
 * preregistered and the KVM-VFIO link set (KVM writes the hardware table itself).
 */
import type { Cpu } from '../pipeline/costs.js';
import type { Mode } from '../papr/tiers.js';

export type GainDevice = 'emulated' | 'vfio-v1' | 'vfio-v2';

const DEVICE_LABELS: Readonly<Record<GainDevice, string>> = {
  emulated: 'emulated',
  'vfio-v1': 'VFIO v1',
  'vfio-v2': 'VFIO v2 + prereg + KVM link',
};

export interface GainMachine {
  readonly id: string;
  readonly label: string;
  readonly cpu: Cpu;
  readonly mode: Mode;
  readonly device: GainDevice;
  /** The machine without acceleration on the same processor and device; null for those. */
  readonly baseline: string | null;
}

const CPU_LABEL: Readonly<Record<Cpu, string>> = { power8: 'POWER8', power9: 'POWER9+' };

function machinesFor(device: GainDevice): GainMachine[] {
  const suffix = device === 'emulated' ? '' : `-${device}`;
  const dev = device === 'emulated' ? '' : `, ${DEVICE_LABELS[device]}`;
  return (['power8', 'power9'] as const).flatMap((cpu) => {
    const none = `${cpu}-none${suffix}`;
    return [
      {
        id: `${cpu}-kvm${suffix}`, cpu, device, baseline: none,
        mode: cpu === 'power8' ? 'realmode' as const : 'virtmode' as const,
        label: `${CPU_LABEL[cpu]} KVM (${cpu === 'power8' ? 'real mode, then virtual mode' : 'virtual mode only'})${dev}`,
      },
      { id: none, cpu, device, baseline: null, mode: 'userspace' as const, label: `${CPU_LABEL[cpu]}, no acceleration${dev}` },
    ];
  });
}

export const GAIN_MACHINES: readonly GainMachine[] = [...machinesFor('emulated'), ...machinesFor('vfio-v1'), ...machinesFor('vfio-v2')];

export function gainMachine(id: string): GainMachine {
  const m = GAIN_MACHINES.find((x) => x.id === id);
  if (m === undefined) throw new RangeError(`unknown machine ${JSON.stringify(id)}`);
  return m;
}
