import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmPutTce } from '../kvm/put-tce.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/**
 * Real mode H_PUT_TCE (kvmppc_rm_h_put_tce): the KVM rules with real mode's abilities:
 * no allocation, no sleep; whatever it cannot do is H_TOO_HARD with a reason in the frame.
 */
export function realmodeHPutTce(t: TceTables, f: Int32Array): number {
  return kvmPutTce(REALMODE_ABILITIES, t, f);
}
