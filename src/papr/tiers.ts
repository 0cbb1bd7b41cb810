/** The three tiers a TCE hcall can be answered in, in escalation order. */
export const TIER_REALMODE = 0;
export const TIER_VIRTMODE = 1;
export const TIER_USERSPACE = 2;

export const TIER_NAMES = ['realmode', 'virtmode', 'userspace'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export function tierName(tier: number): TierName {
  const name = TIER_NAMES[tier];
  if (name === undefined) throw new RangeError(`no tier ${tier}`);
  return name;
}

export function isTierName(name: string): name is TierName {
  return (TIER_NAMES as readonly string[]).includes(name);
}

/** Modes are named after the first tier they try: realmode = R,V,U; virtmode = V,U; userspace = U. */
export type Mode = TierName;
/** The modes, one per tier it starts at. @alias of TIER_NAMES, typed as modes. */
export const MODES: readonly Mode[] = TIER_NAMES;
export function isMode(name: string): name is Mode {
  return isTierName(name);
}
