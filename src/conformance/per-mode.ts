import { MODES, isMode, type Mode } from '../papr/tiers.js';
import type { Reader } from './values.js';
import { isPlainObject } from './values.js';

/** An expectation that is the same in every mode, or given per mode (absent: not checked). */
export type PerMode<T> = Partial<Record<Mode, T>>;

/** A value for every mode, or an object whose keys are modes. */
export function parsePerMode<T>(v: unknown, where: string, fail: Reader, one: (x: unknown, field: string) => T): PerMode<T> {
  if (isPlainObject(v)) {
    const out: PerMode<T> = {};
    for (const [key, x] of Object.entries(v)) {
      if (!isMode(key)) fail(`${where}.${key}`, `is not a mode (${MODES.join(', ')})`);
      out[key] = one(x, `${where}.${key}`);
    }
    return out;
  }
  const value = one(v, where);
  return { realmode: value, virtmode: value, userspace: value };
}
