import { VIRTMODE_ABILITIES } from '../kvm/abilities.js';
import { kvmStuffTce } from '../kvm/stuff-tce.js';
import type { TceTables } from '../shared-memory/tce-tables.js';

/**
 * Virtual mode H_STUFF_TCE (kvmppc_h_stuff_tce): the KVM rules with virtual mode's abilities:
 * it allocates backing pages and may sleep on the table lock; it punts a misaligned TCE and a
 * LIOBN it has no table for to userspace (H_TOO_HARD with a reason).
 */
export function virtmodeHStuffTce(t: TceTables, f: Int32Array): number {
  return kvmStuffTce(VIRTMODE_ABILITIES, t, f);
}
