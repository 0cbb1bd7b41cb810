import { VIRTMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmPutTce } from '../kvm/put-tce.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/**
 * Virtual mode H_PUT_TCE (kvmppc_h_put_tce): the KVM rules with virtual mode's abilities:
 * it allocates backing pages and may sleep on the table lock; it punts a misaligned TCE and a
 * LIOBN it has no table for to userspace (H_TOO_HARD with a reason).
 */
export function virtmodeHPutTce(t: TceTables, f: Int32Array): number {
  return kvmPutTce(VIRTMODE_ABILITIES, t, f);
}
