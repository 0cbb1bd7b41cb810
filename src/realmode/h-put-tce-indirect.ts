import { REALMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmPutTceIndirect } from '../kvm/put-tce-indirect.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/**
 * Real mode H_PUT_TCE_INDIRECT (kvmppc_rm_h_put_tce_indirect): the KVM rules with real mode's abilities:
 * no allocation, no sleep; whatever it cannot do is H_TOO_HARD with a reason in the frame.
 */
export function realmodeHPutTceIndirect(t: TceTables, f: Int32Array): number {
  return kvmPutTceIndirect(REALMODE_ABILITIES, t, f);
}
