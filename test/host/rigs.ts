import type { Mode } from '../../src/papr/tiers.js';
import { defaultHostConfig, type HostConfig } from '../../src/host/host-config.js';
import { defaultGroupConfig, type GroupConfig } from '../../src/host/iommu-group.js';
import type { Machine } from '../../src/pipeline/machine.js';
import { machine } from '../machines.js';

export interface VfioRigOptions {
  container?: 'v1' | 'v2';
  preregister?: boolean;
  kvmLink?: boolean;
  inKernelMultiTce?: boolean;
  group?: Partial<GroupConfig>;
  host?: Partial<HostConfig>;
}

/** The default PHB window (0x80000000) with a passed-through device of group 1 behind it. */
export function vfioMachine(mode: Mode, o: VfioRigOptions = {}): Machine {
  const container = o.container ?? 'v2';
  const group = { ...defaultGroupConfig(1, 0), ...(container === 'v1' ? { ops: 'legacy' as const } : {}), ...o.group };
  return machine(mode, {
    inKernelMultiTce: o.inKernelMultiTce ?? true,
    passthrough: {
      host: { ...defaultHostConfig(), ...o.host },
      groups: [group],
      devices: [{ group: 1, container, preregister: o.preregister ?? true, kvmLink: o.kvmLink ?? true, liobns: [0x80000000] }],
    },
  });
}

/** The hardware table the device's container uses for the default window. */
export function windowHw(m: Machine): number {
  return m.passthrough[0]!.container.tables[0] as number;
}

/** Every non-zero hardware entry, by entry index, as a bigint TCE. */
export function hwEntries(m: Machine, hw: number): Map<number, bigint> {
  const t = m.tables;
  const out = new Map<number, bigint>();
  const n = t.hwEntries(hw);
  for (let e = 0; e < n; e++) {
    if (!t.hwLevelPresent(hw, e)) continue;
    const lo = t.hwEntryLo(hw, e);
    const hi = t.hwEntryHi(hw, e);
    if (lo !== 0 || hi !== 0) out.set(e, (BigInt(hi) << 32n) | BigInt(lo));
  }
  return out;
}

/**
 * What the hardware must hold for the guest view to be in force: each mapping guest entry as
 * host physical page | permission, one per hardware page.
 */
export function expectedHw(m: Machine, liobn: number, hw: number): Map<number, bigint> {
  const t = m.tables;
  const slot = t.findTable(liobn);
  const gShift = t.pageShift(slot);
  const hShift = t.hwPageShift(hw);
  const per = 2 ** (gShift - hShift);
  const hpa = BigInt(t.hw.hpaBase);
  const out = new Map<number, bigint>();
  for (let i = 0; i < t.entries(slot); i++) {
    const lo = t.entryLo(slot, i);
    if ((lo & 3) === 0) continue;
    const tce = (BigInt(t.entryHi(slot, i)) << 32n) | BigInt(lo >>> 0);
    const base = tce & ~((1n << BigInt(gShift)) - 1n);
    for (let j = 0; j < per; j++) out.set(i * per + j, (hpa + base + (BigInt(j) << BigInt(hShift))) | (tce & 3n));
  }
  return out;
}

/** A machine with a host and groups but nothing set up: for driving ioctls by hand. */
export function hostMachine(mode: Mode, groups: Partial<GroupConfig>[], host: Partial<HostConfig> = {}): Machine {
  return machine(mode, {
    passthrough: {
      host: { ...defaultHostConfig(), ...host },
      groups: groups.map((g, i) => ({ ...defaultGroupConfig(i + 1, 0), ...g })),
      devices: [],
    },
  });
}
