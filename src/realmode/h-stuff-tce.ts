import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmStuffTce } from '../kvm/stuff-tce.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/**
 * Real mode H_STUFF_TCE (kvmppc_rm_h_stuff_tce): the KVM rules with real mode's abilities:
 * no allocation, no sleep; whatever it cannot do is H_TOO_HARD with a reason in the frame.
 */
export function realmodeHStuffTce(t: TceTables, f: Int32Array): number {
  return kvmStuffTce(REALMODE_ABILITIES, t, f);
}
