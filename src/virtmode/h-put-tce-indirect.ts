import { VIRTMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmPutTceIndirect } from '../kvm/put-tce-indirect.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/**
 * Virtual mode H_PUT_TCE_INDIRECT (kvmppc_h_put_tce_indirect): the KVM rules with virtual mode's abilities:
 * it allocates backing pages and may sleep on the table lock; it punts a misaligned TCE and a
 * LIOBN it has no table for to userspace (H_TOO_HARD with a reason).
 */
export function virtmodeHPutTceIndirect(t: TceTables, f: Int32Array): number {
  return kvmPutTceIndirect(VIRTMODE_ABILITIES, t, f);
}
