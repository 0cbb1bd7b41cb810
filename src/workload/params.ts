/**
 * Reading workload parameters (`--workload NAME:KEY=VALUE,...`). Each reader takes the raw
 * string map, returns the value or the default, and refuses a bad value with a RangeError that
 * names the workload, the parameter and the value, and says what it must be; the CLI turns that
 * into a usage error. Runs on the main thread (a spec's tables()) and once per vCPU when its
 * workload is built, never per call.
 */
import type { WorkloadParams } from './workload.js';

function badValue(workload: string, name: string, value: string, must: string): RangeError {
  return new RangeError(`workload ${workload}: parameter ${name}=${JSON.stringify(value)} ${must}`);
}

/** The raw string of parameter `name`, or undefined when it was not given. */
function raw(params: WorkloadParams, name: string): string | undefined {
  return Object.hasOwn(params, name) ? params[name] : undefined;
}

/** A whole number from `min` to `max` (decimal digits only). */
export function intParam(workload: string, params: WorkloadParams, name: string, def: number, min: number, max: number): number {
  const v = raw(params, name);
  if (v === undefined) return def;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badValue(workload, name, v, `must be a whole number from ${min} to ${max}`);
  return n;
}

/** One of `choices`. */
export function choiceParam<T extends string>(
  workload: string, params: WorkloadParams, name: string, choices: readonly T[], def: T,
): T {
  const v = raw(params, name);
  if (v === undefined) return def;
  const found = choices.find((c) => c === v);
  if (found === undefined) throw badValue(workload, name, v, `must be one of ${choices.join(', ')}`);
  return found;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

/** A size in bytes, from `min` to `max`: digits with an optional binary unit K, M or G (64K = 65536). */
export function sizeParam(workload: string, params: WorkloadParams, name: string, def: number, min: number, max: number): number {
  const v = raw(params, name);
  if (v === undefined) return def;
  const m = /^(\d+)([kmg]?)$/i.exec(v);
  const n = m === null ? NaN : Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? NaN);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badValue(workload, name, v, `must be a size in bytes from ${formatSize(min)} to ${formatSize(max)} (digits, optionally K, M or G)`);
  }
  return n;
}

/** An inclusive range `A-B` (or a single `A`) of whole numbers inside [min, max], A <= B. */
export function rangeParam(
  workload: string, params: WorkloadParams, name: string, def: readonly [number, number], min: number, max: number,
): [number, number] {
  const v = raw(params, name);
  if (v === undefined) return [def[0], def[1]];
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  const lo = m === null ? NaN : Number(m[1]);
  const hi = m === null ? NaN : Number(m[2] ?? m[1]);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < min || hi > max || lo > hi) {
    throw badValue(workload, name, v, `must be a range MIN-MAX (or one number) of whole numbers from ${min} to ${max}, MIN <= MAX`);
  }
  return [lo, hi];
}

/** Refuse a combination of otherwise valid values, naming the parameter the user should change. */
export function paramConflict(workload: string, params: WorkloadParams, name: string, shown: string, must: string): RangeError {
  return badValue(workload, name, raw(params, name) ?? shown, must);
}

/** 4096 -> "4K", 16777216 -> "16M": sizes in help text and messages. */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return String(bytes);
}
