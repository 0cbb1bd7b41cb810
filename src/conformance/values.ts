/** Parsing the JSON value forms of a vector: hex strings for 64-bit values, numbers for small ones. */

export class VectorError extends Error {
  readonly code = 'EVECTOR';
  constructor(readonly file: string, readonly field: string, problem: string) {
    super(`${file}: ${field}: ${problem}`);
    this.name = 'VectorError';
  }
}

export type Reader = (field: string, problem: string) => never;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const U64_MAX = (1n << 64n) - 1n;

/** A u64 as "0x..." (or decimal digits), or a non-negative safe-integer JSON number. */
export function parseU64(v: unknown, field: string, fail: Reader): bigint {
  let value: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) fail(field, `${v} is not a non-negative integer`);
    value = BigInt(v);
  } else if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) {
    value = BigInt(v);
  } else {
    fail(field, `${JSON.stringify(v)} is not a hex string like "0x1000" or a non-negative integer`);
  }
  if (value > U64_MAX) fail(field, `${JSON.stringify(v)} does not fit in 64 bits`);
  return value;
}

export function parseSmallInt(v: unknown, field: string, fail: Reader, min: number, max: number): number {
  const value = Number(parseU64(v, field, fail));
  if (value < min || value > max) fail(field, `${JSON.stringify(v)} must be from ${min} to ${max}`);
  return value;
}

export function parseBool(v: unknown, field: string, fail: Reader): boolean {
  if (typeof v !== 'boolean') fail(field, `${JSON.stringify(v)} is not true or false`);
  return v;
}

export function parseString(v: unknown, field: string, fail: Reader): string {
  if (typeof v !== 'string') fail(field, `${JSON.stringify(v)} is not a string`);
  return v;
}

export function checkFields(obj: Record<string, unknown>, allowed: readonly string[], where: string, fail: Reader): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(where === '' ? key : `${where}.${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
  }
}
