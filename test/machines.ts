import { H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE } from '../src/papr/hcalls.js';
import { reasonName } from '../src/papr/reasons.js';
import { tierName, type Mode } from '../src/papr/tiers.js';
import { Machine, type HcallResult } from '../src/pipeline/machine.js';
import { defaultMachineConfig, type MachineConfig } from '../src/pipeline/machine-config.js';

const LIOBN = 0x80000000n;

/** A small machine: 256 MiB RAM, the default PHB window, overridable. */
export function machine(mode: Mode, over: Partial<MachineConfig> = {}): Machine {
  return new Machine({ ...defaultMachineConfig(), ramBytes: 0x10000000n, ...over }, mode);
}

export const put = (m: Machine, ioba: bigint, tce: bigint, liobn = LIOBN): HcallResult =>
  m.call({ opcode: H_PUT_TCE, liobn, ioba, arg: tce });
export const get = (m: Machine, ioba: bigint, liobn = LIOBN): HcallResult => m.call({ opcode: H_GET_TCE, liobn, ioba });
export const stuff = (m: Machine, ioba: bigint, value: bigint, npages: bigint, liobn = LIOBN): HcallResult =>
  m.call({ opcode: H_STUFF_TCE, liobn, ioba, arg: value, npages });

/** The guest writes the list at `at`, then makes the call. */
export function indirect(m: Machine, ioba: bigint, at: bigint, list: bigint[], npages = BigInt(list.length), liobn = LIOBN): HcallResult {
  list.forEach((v, i) => m.tables.ram.writeBe64(at + BigInt(i * 8), v));
  return m.call({ opcode: H_PUT_TCE_INDIRECT, liobn, ioba, arg: at, npages });
}

/** "realmode: page-not-allocated > virtmode" — the path a call took, for assertions. */
export function pathOf(r: HcallResult): string {
  return r.path.map((a) => (a.ret === 9999 ? `${tierName(a.tier)}: ${reasonName(a.reason)}` : tierName(a.tier))).join(' > ');
}
