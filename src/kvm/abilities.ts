import { H_PARAMETER, H_TOO_HARD } from '../papr/return-codes.js';
import { TIER_REALMODE, TIER_VIRTMODE } from '../papr/tiers.js';

/**
 * What a KVM tier may do. Real mode and virtual mode run the same rules in the same order
 * (src/kvm/*); they differ only in these abilities. Linux deleted its real-mode file in 2022
 * because the two had become drifting copies: here they cannot drift.
 */
export interface KvmAbilities {
  readonly tier: number;
  /** Allocate guest-view backing pages on demand (virtual mode); else H_TOO_HARD. */
  readonly mayAllocate: boolean;
  /** Sleep on a contended table lock (virtual mode); else spin within a budget, then H_TOO_HARD. */
  readonly maySleep: boolean;
  /** Answer for a mapping TCE whose address is misaligned: real mode refuses, virtual mode punts. */
  readonly misalignedTceAnswer: number;
  /** Must reach the INDIRECT list page without sleeping (real mode walks the host page table). */
  readonly needsListReachable: boolean;
}

export const REALMODE_ABILITIES: KvmAbilities = Object.freeze({
  tier: TIER_REALMODE,
  mayAllocate: false,
  maySleep: false,
  misalignedTceAnswer: H_PARAMETER,
  needsListReachable: true,
});

export const VIRTMODE_ABILITIES: KvmAbilities = Object.freeze({
  tier: TIER_VIRTMODE,
  mayAllocate: true,
  maySleep: true,
  misalignedTceAnswer: H_TOO_HARD,
  needsListReachable: false,
});
