import { MAX_PAGE_SHIFT, MIN_PAGE_SHIFT } from '../papr/tce.js';
import { MODES, isMode, type Mode } from '../papr/tiers.js';
import type { MachineConfig, TableConfig } from '../pipeline/machine-config.js';
import { defaultMachineConfig } from '../pipeline/machine-config.js';
import './kinds.js';
import type { PerMode } from './per-mode.js';
import { parsePhbs } from './phbs.js';
import {
  finalChecksFor, machineFieldsFor, registeredStepKinds, type FormatVersion, type ParseEnv, type RunState, type VectorStep,
} from './step-kinds.js';
import {
  VectorError, checkFields, isPlainObject, parseBool, parseSmallInt, parseString, parseU64, type Reader,
} from './values.js';

export type { PerMode } from './per-mode.js';
export type { VectorStep } from './step-kinds.js';

/** The format each version's vectors name. */
const VECTOR_FORMATS: Readonly<Record<FormatVersion, string>> = { 1: 'tcesim-conformance/1', 2: 'tcesim-conformance/2' };

export interface Vector {
  file: string;
  name: string;
  format: FormatVersion;
  machine: MachineConfig;
  modes: Mode[];
  steps: VectorStep[];
  /** Per mode: for each LIOBN, every non-zero entry by ioba. */
  finalTables: PerMode<Map<number, Map<bigint, bigint>>>;
  /** Registered final-state checks (format /2: finalHardware, finalHost, ...), in registration order. */
  finalChecks: ((s: RunState) => string[])[];
}

const TOP_FIELDS = ['format', 'name', 'about', 'machine', 'modes', 'steps', 'finalTables'] as const;
const MACHINE_FIELDS_V1 = ['ramBytes', 'hostPageShift', 'inKernelMultiTce', 'rangeCheck', 'tables'] as const;
const TABLE_FIELDS = ['liobn', 'busOffset', 'pageShift', 'entries', 'userspaceOnly'] as const;

function parseFormat(v: unknown, fail: Reader): FormatVersion {
  for (const version of [1, 2] as const) if (v === VECTOR_FORMATS[version]) return version;
  return fail('format', `${JSON.stringify(v)} is not "${VECTOR_FORMATS[1]}" or "${VECTOR_FORMATS[2]}"`);
}

/** Parse a vector file's JSON text; throws VectorError naming the file and the bad field. */
export function parseVector(file: string, text: string): Vector {
  const fail: Reader = (field, problem) => { throw new VectorError(file, field, problem); };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail('(file)', `not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(json)) fail('(file)', 'a vector is a JSON object');
  const format = parseFormat(json.format, fail);
  const finals = finalChecksFor(format);
  checkFields(json, [...TOP_FIELDS, ...finals.map((c) => c.key)], '', fail);
  const name = parseString(json.name, 'name', fail);
  if (json.about !== undefined) parseString(json.about, 'about', fail);
  const machine = parseMachine(json.machine, format, fail);
  const modes = parseModes(json.modes, fail);
  const env: ParseEnv = { format, modes, fail, machine };
  if (!Array.isArray(json.steps)) fail('steps', 'must be an array of steps');
  const steps = json.steps.map((s, i) => parseStep(s, `steps[${i}]`, env));
  const finalTables = json.finalTables === undefined ? {} : parseFinalTables(json.finalTables, fail);
  const finalChecks = finals.filter((c) => json[c.key] !== undefined).map((c) => c.parse(json[c.key], c.key, env));
  return { file, name, format, machine, modes, steps, finalTables, finalChecks };
}

/** A step has exactly one step key; which keys exist depends on the format. */
function parseStep(v: unknown, where: string, env: ParseEnv): VectorStep {
  const fail: Reader = env.fail;
  if (!isPlainObject(v)) fail(where, 'must be an object');
  const kinds = [...registeredStepKinds().values()];
  const present = kinds.filter((k) => v[k.key] !== undefined);
  const allowed = kinds.filter((k) => k.since <= env.format).map((k) => k.key);
  if (present.length === 0) fail(where, `has none of ${allowed.join(', ')}`);
  if (present.length > 1) fail(where, `has ${present.map((k) => k.key).join(' and ')}; a step is exactly one of ${allowed.join(', ')}`);
  const kind = present[0]!;
  if (kind.since > env.format) fail(`${where}.${kind.key}`, `${kind.key} steps need format "${VECTOR_FORMATS[kind.since]}"`);
  return kind.parse(v, where, env);
}

function parseMachine(v: unknown, format: FormatVersion, fail: Reader): MachineConfig {
  if (!isPlainObject(v)) fail('machine', 'must be an object');
  const extra = machineFieldsFor(format);
  const fields: string[] = [...MACHINE_FIELDS_V1, ...(format >= 2 ? ['phbs'] : []), ...extra.map((f) => f.key)];
  checkFields(v, fields, 'machine', fail);
  const m = defaultMachineConfig();
  if (v.ramBytes === undefined) fail('machine.ramBytes', 'is required');
  m.ramBytes = parseU64(v.ramBytes, 'machine.ramBytes', fail);
  if (v.hostPageShift !== undefined) m.hostPageShift = parseSmallInt(v.hostPageShift, 'machine.hostPageShift', fail, 12, 24);
  if (m.ramBytes < 1n << BigInt(m.hostPageShift) || m.ramBytes > 1n << 34n) fail('machine.ramBytes', `${v.ramBytes as string} must be from one host page to 16 GiB`);
  if (v.inKernelMultiTce !== undefined) m.inKernelMultiTce = parseBool(v.inKernelMultiTce, 'machine.inKernelMultiTce', fail);
  if (v.rangeCheck !== undefined) {
    if (v.rangeCheck !== 'full' && v.rangeCheck !== 'firstPage') fail('machine.rangeCheck', `${JSON.stringify(v.rangeCheck)} is not "full" or "firstPage"`);
    m.rangeCheck = v.rangeCheck;
  }
  // Format /2: the tables may all come from the PHBs.
  if (v.tables === undefined && format >= 2 && v.phbs !== undefined) {
    m.tables = [];
  } else {
    if (!Array.isArray(v.tables)) fail('machine.tables', format >= 2 ? 'must be an array (it may be left out when machine.phbs is given)' : 'must be an array');
    m.tables = v.tables.map((t, i) => parseTable(t, `machine.tables[${i}]`, fail));
  }
  const seen = new Set<number>();
  m.tables.forEach((t, i) => {
    if (seen.has(t.liobn)) fail(`machine.tables[${i}].liobn`, `0x${t.liobn.toString(16)} is used by an earlier table`);
    seen.add(t.liobn);
  });
  if (v.phbs !== undefined) m.phbs = parsePhbs(v.phbs, 'machine.phbs', fail, seen);
  for (const f of extra) if (v[f.key] !== undefined) f.parse(v[f.key], `machine.${f.key}`, fail, m);
  return m;
}

function parseTable(v: unknown, where: string, fail: Reader): TableConfig {
  if (!isPlainObject(v)) fail(where, 'must be an object');
  checkFields(v, TABLE_FIELDS, where, fail);
  if (v.liobn === undefined) fail(`${where}.liobn`, 'is required');
  if (v.entries === undefined) fail(`${where}.entries`, 'is required');
  const pageShift = v.pageShift === undefined ? 12 : parseSmallInt(v.pageShift, `${where}.pageShift`, fail, MIN_PAGE_SHIFT, MAX_PAGE_SHIFT);
  const busOffset = v.busOffset === undefined ? 0n : parseU64(v.busOffset, `${where}.busOffset`, fail);
  if (busOffset & ((1n << BigInt(pageShift)) - 1n)) fail(`${where}.busOffset`, `${String(v.busOffset)} is not aligned to the table's ${2 ** pageShift}-byte pages`);
  return {
    liobn: parseSmallInt(v.liobn, `${where}.liobn`, fail, 0, 0xffffffff),
    busOffset,
    pageShift,
    entries: parseSmallInt(v.entries, `${where}.entries`, fail, 1, 2 ** 28),
    userspaceOnly: v.userspaceOnly === undefined ? false : parseBool(v.userspaceOnly, `${where}.userspaceOnly`, fail),
  };
}

function parseModes(v: unknown, fail: Reader): Mode[] {
  if (v === undefined) return [...MODES];
  if (!Array.isArray(v) || v.length === 0) fail('modes', 'must be a non-empty array of modes');
  return v.map((m, i) => {
    if (typeof m !== 'string' || !isMode(m)) fail(`modes[${i}]`, `${JSON.stringify(m)} is not one of ${MODES.join(', ')}`);
    return m;
  });
}

function parseFinalTables(v: unknown, fail: Reader): PerMode<Map<number, Map<bigint, bigint>>> {
  if (!isPlainObject(v)) fail('finalTables', 'must be an object');
  const keys = Object.keys(v);
  const perMode = keys.length > 0 && keys.every(isMode);
  if (perMode) {
    const out: PerMode<Map<number, Map<bigint, bigint>>> = {};
    for (const key of keys) out[key] = parseTables(v[key], `finalTables.${key}`, fail);
    return out;
  }
  const tables = parseTables(v, 'finalTables', fail);
  return { realmode: tables, virtmode: tables, userspace: tables };
}

function parseTables(v: unknown, where: string, fail: Reader): Map<number, Map<bigint, bigint>> {
  if (!isPlainObject(v)) fail(where, 'must be an object of tables by LIOBN');
  const out = new Map<number, Map<bigint, bigint>>();
  for (const [liobnText, entries] of Object.entries(v)) {
    const liobn = parseSmallInt(liobnText, `${where}.${liobnText}`, fail, 0, 0xffffffff);
    if (!isPlainObject(entries)) fail(`${where}.${liobnText}`, 'must be an object of entries by ioba');
    const table = new Map<bigint, bigint>();
    for (const [iobaText, value] of Object.entries(entries)) {
      const ioba = parseU64(iobaText, `${where}.${liobnText}.${iobaText}`, fail);
      table.set(ioba, parseU64(value, `${where}.${liobnText}.${iobaText}`, fail));
    }
    out.set(liobn, table);
  }
  return out;
}

