/**
 * The `tcesim pamu` layout file (format "tcesim-pamu-layout/1", docs/pamu.md): a PAMU domain as
 * user space would build it through the VFIO container. This file only reads the JSON into a
 * PamuContainerLayout; whether the layout obeys PAMU's rules is decided by replaying it through
 * the container (container-layout.ts), so the file format cannot drift from the rules.
 * Every problem is a LayoutFileError naming the field and the bad value.
 * Runs in: host model only (the CLI).
 */
import type { PamuContainerLayout, PamuMsiWindow, PamuRamRange } from './container-layout.js';
import type { MsiBank } from './pamu-domain.js';

const PAMU_LAYOUT_FORMAT = 'tcesim-pamu-layout/1';

export class LayoutFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutFileError';
  }
}

type Json = Readonly<Record<string, unknown>>;

const UNITS: Readonly<Record<string, bigint>> = { '': 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n };

/**
 * An address or size: a JSON number (a safe integer), or a string of hex (0x…, "_" allowed as
 * the seed writes 0xf_fe044000) or decimal digits with an optional binary unit K, M, G or T.
 */
function bigintField(where: string, v: unknown): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string') {
    const hexMatch = /^0x([0-9a-f][0-9a-f_]*)$/i.exec(v.trim());
    if (hexMatch) return BigInt(`0x${(hexMatch[1] as string).replaceAll('_', '')}`);
    const dec = /^(\d+)\s*([KMGT]?)(?:i?B)?$/i.exec(v.trim());
    if (dec) return BigInt(dec[1] as string) * (UNITS[(dec[2] as string).toUpperCase()] as bigint);
  }
  throw new LayoutFileError(`${where}: ${JSON.stringify(v)} is not an address or size (0x hex, or digits with an optional K, M, G or T)`);
}

function intField(where: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw new LayoutFileError(`${where}: ${JSON.stringify(v)} is not an integer`);
}

function object(where: string, v: unknown, known: readonly string[]): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new LayoutFileError(`${where}: expected an object, got ${JSON.stringify(v)}`);
  for (const key of Object.keys(v)) {
    if (!known.includes(key)) throw new LayoutFileError(`${where}.${key}: unknown field (known: ${known.join(', ')})`);
  }
  return v as Json;
}

function required(where: string, o: Json, key: string): unknown {
  if (!(key in o)) throw new LayoutFileError(`${where}.${key}: missing`);
  return o[key];
}

function list<T>(where: string, v: unknown, item: (where: string, v: unknown) => T): T[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new LayoutFileError(`${where}: expected a list, got ${JSON.stringify(v)}`);
  return v.map((x, i) => item(`${where}[${i}]`, x));
}

function msiBank(where: string, v: unknown): MsiBank {
  const o = object(where, v, ['paddr', 'size']);
  return { paddr: bigintField(`${where}.paddr`, required(where, o, 'paddr')), size: bigintField(`${where}.size`, required(where, o, 'size')) };
}

/** 4 KiB page granularity is a property of memory, not a PAMU rule: refused here, without an errno. */
function ram(where: string, v: unknown): PamuRamRange {
  const o = object(where, v, ['iova', 'size', 'paddr']);
  const r = {
    iova: bigintField(`${where}.iova`, required(where, o, 'iova')),
    size: bigintField(`${where}.size`, required(where, o, 'size')),
    paddr: bigintField(`${where}.paddr`, required(where, o, 'paddr')),
  };
  for (const key of ['iova', 'size', 'paddr'] as const) {
    if (r[key] % 0x1000n !== 0n || (key === 'size' && r.size === 0n)) {
      throw new LayoutFileError(`${where}.${key}: 0x${r[key].toString(16)} is not a whole number of 4 KiB pages${key === 'size' ? ' (above 0)' : ''}`);
    }
  }
  return r;
}

function msi(where: string, v: unknown): PamuMsiWindow {
  const o = object(where, v, ['bank', 'iova']);
  return { bank: intField(`${where}.bank`, required(where, o, 'bank')), iova: bigintField(`${where}.iova`, required(where, o, 'iova')) };
}

/** Parse a layout file's text; `name` prefixes every message. */
export function parsePamuLayout(text: string, name: string): PamuContainerLayout {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LayoutFileError(`${name}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const top = object(name, json, ['format', 'description', 'aperture', 'windows', 'maxWindows', 'lockedLimit', 'msiBanks', 'ram', 'msi']);
  const format = required(name, top, 'format');
  if (format !== PAMU_LAYOUT_FORMAT) throw new LayoutFileError(`${name}.format: ${JSON.stringify(format)} is not "${PAMU_LAYOUT_FORMAT}"`);
  const aperture = object(`${name}.aperture`, required(name, top, 'aperture'), ['start', 'size']);
  const layout: PamuContainerLayout = {
    apertureStart: bigintField(`${name}.aperture.start`, required(`${name}.aperture`, aperture, 'start')),
    apertureSize: bigintField(`${name}.aperture.size`, required(`${name}.aperture`, aperture, 'size')),
    windows: intField(`${name}.windows`, required(name, top, 'windows')),
    msiBanks: list(`${name}.msiBanks`, top.msiBanks, msiBank),
    ram: list(`${name}.ram`, top.ram, ram),
    msi: list(`${name}.msi`, top.msi, msi),
    ...(top.lockedLimit === undefined ? {} : { lockedLimit: bigintField(`${name}.lockedLimit`, top.lockedLimit) }),
    ...(top.maxWindows === undefined ? {} : { maxWindows: maxWindows(`${name}.maxWindows`, top.maxWindows) }),
  };
  const ranges = [...layout.ram].sort((a, b) => (a.iova < b.iova ? -1 : 1));
  ranges.forEach((r, i) => {
    const next = ranges[i + 1];
    if (next && r.iova + r.size > next.iova) {
      throw new LayoutFileError(`${name}.ram: guest RAM at 0x${r.iova.toString(16)} and 0x${next.iova.toString(16)} overlap`);
    }
  });
  return layout;
}

/** The hardware's maximum is a machine fact, not a request: it must itself be a power of two. */
function maxWindows(where: string, v: unknown): number {
  const n = intField(where, v);
  if (n < 1 || (n & (n - 1)) !== 0 || n > 1 << 30) throw new LayoutFileError(`${where}: ${n} is not a power of two from 1 to 2^30`);
  return n;
}
