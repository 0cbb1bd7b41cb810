import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmGetTce } from '../kvm/get-tce.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/**
 * Real mode H_GET_TCE (kvmppc_rm_h_get_tce): the KVM rules with real mode's abilities:
 * no allocation, no sleep; whatever it cannot do is H_TOO_HARD with a reason in the frame.
 */
export function realmodeHGetTce(t: TceTables, f: Int32Array): number {
  return kvmGetTce(REALMODE_ABILITIES, t, f);
}
