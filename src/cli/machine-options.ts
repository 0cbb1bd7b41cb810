/**
 * `tcesim run`'s machine options: --machine FILE (docs/machine-file.md) and the short flags for
 * the common cases (--vfio v1|v2, --no-kvm-link, --no-prereg, --locked-limit BYTES). Misuse is
 * one UsageError line naming the bad value.
 */
import { machineFromFlags, MachineFileError, readMachineFile, type MachineDescription } from '../pipeline/machine-file.js';
import { UsageError } from './usage-error.js';

export const MACHINE_OPTIONS = {
  machine: { type: 'string' }, vfio: { type: 'string' }, 'no-kvm-link': { type: 'boolean' },
  'no-prereg': { type: 'boolean' }, 'locked-limit': { type: 'string' },
} as const;

export const MACHINE_HELP = `  --machine FILE    the machine: host, IOMMU groups, passed-through devices (docs/machine-file.md,
                    examples/machine-*.json)                                [emulated devices]
  --vfio v1|v2      short for a machine with a device passed through on each window (each
                    vCPU's NIC or disk): v2 container (DDW group, RAM preregistered, KVM
                    link) or v1 (legacy group)
  --no-kvm-link     with --vfio/--machine: no KVM-VFIO link (every TCE hcall exits to QEMU)
  --no-prereg       with --vfio/--machine: v2 without preregistered RAM
  --locked-limit B  with --vfio/--machine: RLIMIT_MEMLOCK in bytes, or unlimited`;

export interface MachineOptionValues {
  machine?: string;
  vfio?: string;
  'no-kvm-link'?: boolean;
  'no-prereg'?: boolean;
  'locked-limit'?: string;
}

export function machineOption(v: MachineOptionValues): MachineDescription | null {
  let base: MachineDescription | null = null;
  if (v.machine !== undefined) {
    try {
      base = readMachineFile(v.machine);
    } catch (e) {
      if (e instanceof MachineFileError) throw new UsageError(`--machine ${e.message}`);
      throw e;
    }
  }
  const vfio = v.vfio;
  if (vfio !== undefined && vfio !== 'v1' && vfio !== 'v2') throw new UsageError(`--vfio ${JSON.stringify(vfio)} must be v1 or v2`);
  let lockedLimit: number | undefined;
  const l = v['locked-limit'];
  if (l !== undefined) {
    if (l === 'unlimited') lockedLimit = Infinity;
    else if (/^(0x[0-9a-fA-F]+|\d+)$/.test(l) && Number(l) <= Number.MAX_SAFE_INTEGER) lockedLimit = Number(l);
    else throw new UsageError(`--locked-limit ${JSON.stringify(l)} must be a number of bytes or unlimited`);
  }
  try {
    return machineFromFlags({
      ...(vfio !== undefined ? { vfio } : {}),
      noKvmLink: v['no-kvm-link'] === true,
      noPrereg: v['no-prereg'] === true,
      ...(lockedLimit !== undefined ? { lockedLimit } : {}),
    }, base);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}
