import { HCALL_NAMES, H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE, hcallOpcode, isHcallName } from '../papr/hcalls.js';
import { isReturnCodeName, returnCode, RETURN_CODE_NAMES } from '../papr/return-codes.js';
import { MAX_PAGE_SHIFT, MIN_PAGE_SHIFT } from '../papr/tce.js';
import { MODES, TIER_NAMES, isMode, isTierName, type Mode, type TierName } from '../papr/tiers.js';
import type { MachineConfig, TableConfig } from '../pipeline/machine-config.js';
import { defaultMachineConfig } from '../pipeline/machine-config.js';
import {
  VectorError, checkFields, isPlainObject, parseBool, parseSmallInt, parseString, parseU64, type Reader,
} from './values.js';

export const VECTOR_FORMAT = 'tcesim-conformance/1';

/** An expectation that is the same in every mode, or given per mode (absent: not checked). */
export type PerMode<T> = Partial<Record<Mode, T>>;

export interface VectorStep {
  opcode: number;
  callName: string;
  liobn: bigint;
  ioba: bigint;
  /** r6: tce, tce_value or tce_list */
  arg: bigint;
  npages: bigint;
  /** INDIRECT: what the guest writes at tceList before the call */
  list: bigint[] | undefined;
  expect: PerMode<number>;
  expectTce: PerMode<bigint>;
  answeredBy: PerMode<TierName>;
}

export interface Vector {
  file: string;
  name: string;
  machine: MachineConfig;
  modes: Mode[];
  steps: VectorStep[];
  /** Per mode: for each LIOBN, every non-zero entry by ioba. */
  finalTables: PerMode<Map<number, Map<bigint, bigint>>>;
}

const TOP_FIELDS = ['format', 'name', 'about', 'machine', 'modes', 'steps', 'finalTables'] as const;
const MACHINE_FIELDS = ['ramBytes', 'hostPageShift', 'inKernelMultiTce', 'rangeCheck', 'tables'] as const;
const TABLE_FIELDS = ['liobn', 'busOffset', 'pageShift', 'entries', 'userspaceOnly'] as const;
const COMMON_STEP_FIELDS = ['call', 'liobn', 'ioba', 'expect', 'answeredBy', 'note'];
const STEP_FIELDS: Record<string, readonly string[]> = {
  H_GET_TCE: [...COMMON_STEP_FIELDS, 'expectTce'],
  H_PUT_TCE: [...COMMON_STEP_FIELDS, 'tce'],
  H_STUFF_TCE: [...COMMON_STEP_FIELDS, 'tce', 'npages'],
  H_PUT_TCE_INDIRECT: [...COMMON_STEP_FIELDS, 'tceList', 'list', 'npages'],
  other: [...COMMON_STEP_FIELDS, 'tce', 'tceList', 'npages'],
};
const REQUIRED_ARGS: Record<string, readonly string[]> = {
  H_GET_TCE: ['liobn', 'ioba'],
  H_PUT_TCE: ['liobn', 'ioba', 'tce'],
  H_STUFF_TCE: ['liobn', 'ioba', 'tce', 'npages'],
  H_PUT_TCE_INDIRECT: ['liobn', 'ioba', 'tceList', 'npages'],
  other: [],
};

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
  checkFields(json, TOP_FIELDS, '', fail);
  if (json.format !== VECTOR_FORMAT) fail('format', `${JSON.stringify(json.format)} is not "${VECTOR_FORMAT}"`);
  const name = parseString(json.name, 'name', fail);
  if (json.about !== undefined) parseString(json.about, 'about', fail);
  const machine = parseMachine(json.machine, fail);
  const modes = parseModes(json.modes, fail);
  if (!Array.isArray(json.steps)) fail('steps', 'must be an array of hypercalls');
  const steps = json.steps.map((s, i) => parseStep(s, `steps[${i}]`, modes, fail));
  const finalTables = json.finalTables === undefined ? {} : parseFinalTables(json.finalTables, fail);
  return { file, name, machine, modes, steps, finalTables };
}

function parseMachine(v: unknown, fail: Reader): MachineConfig {
  if (!isPlainObject(v)) fail('machine', 'must be an object');
  checkFields(v, MACHINE_FIELDS, 'machine', fail);
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
  if (!Array.isArray(v.tables)) fail('machine.tables', 'must be an array');
  m.tables = v.tables.map((t, i) => parseTable(t, `machine.tables[${i}]`, fail));
  const seen = new Set<number>();
  m.tables.forEach((t, i) => {
    if (seen.has(t.liobn)) fail(`machine.tables[${i}].liobn`, `0x${t.liobn.toString(16)} is used by an earlier table`);
    seen.add(t.liobn);
  });
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

function parseStep(v: unknown, where: string, modes: Mode[], fail: Reader): VectorStep {
  if (!isPlainObject(v)) fail(where, 'must be an object');
  const call = v.call;
  let opcode: number;
  let kind: string;
  if (typeof call === 'string' && isHcallName(call)) {
    opcode = hcallOpcode(call);
    kind = call;
  } else if (typeof call === 'string' && /^0x[0-9a-fA-F]+$/.test(call)) {
    opcode = parseSmallInt(call, `${where}.call`, fail, 0, 0xffffffff);
    kind = [H_GET_TCE, H_PUT_TCE, H_STUFF_TCE, H_PUT_TCE_INDIRECT].includes(opcode) ? (HCALL_NAMES.find((n) => hcallOpcode(n) === opcode) as string) : 'other';
  } else {
    fail(`${where}.call`, `${JSON.stringify(call)} is not one of ${HCALL_NAMES.join(', ')} or an opcode like "0x1c"`);
  }
  checkFields(v, STEP_FIELDS[kind] as readonly string[], where, fail);
  for (const field of REQUIRED_ARGS[kind] as readonly string[]) if (v[field] === undefined) fail(`${where}.${field}`, `is required for ${kind}`);
  if (v.tce !== undefined && v.tceList !== undefined) fail(`${where}.tceList`, 'tce and tceList are the same register (r6): give one');
  const u64 = (field: string): bigint => (v[field] === undefined ? 0n : parseU64(v[field], `${where}.${field}`, fail));
  let list: bigint[] | undefined;
  if (v.list !== undefined) {
    if (!Array.isArray(v.list)) fail(`${where}.list`, 'must be an array of TCE values');
    if (v.list.length > 65536) fail(`${where}.list`, `has ${v.list.length} values; at most 65536`);
    list = v.list.map((x, i) => parseU64(x, `${where}.list[${i}]`, fail));
  }
  if (v.note !== undefined) parseString(v.note, `${where}.note`, fail);
  if (v.expect === undefined) fail(`${where}.expect`, 'is required');
  const expect = parsePerMode(v.expect, `${where}.expect`, fail, (x, f) => {
    if (typeof x !== 'string' || !isReturnCodeName(x) || x === 'H_TOO_HARD') {
      fail(f, `${JSON.stringify(x)} is not a return code the guest can get (${RETURN_CODE_NAMES.filter((n) => n !== 'H_TOO_HARD').join(', ')})`);
    }
    return returnCode(x);
  });
  for (const mode of modes) if (expect[mode] === undefined) fail(`${where}.expect`, `has no answer for mode ${mode}`);
  return {
    opcode,
    callName: typeof call === 'string' ? call : String(call),
    liobn: u64('liobn'),
    ioba: u64('ioba'),
    arg: v.tceList !== undefined ? u64('tceList') : u64('tce'),
    npages: u64('npages'),
    list,
    expect,
    expectTce: v.expectTce === undefined ? {} : parsePerMode(v.expectTce, `${where}.expectTce`, fail, (x, f) => parseU64(x, f, fail)),
    answeredBy: v.answeredBy === undefined ? {} : parsePerMode(v.answeredBy, `${where}.answeredBy`, fail, (x, f) => {
      if (typeof x !== 'string' || !isTierName(x)) fail(f, `${JSON.stringify(x)} is not one of ${TIER_NAMES.join(', ')}`);
      return x;
    }),
  };
}

/** A value for every mode, or an object whose keys are modes. */
function parsePerMode<T>(v: unknown, where: string, fail: Reader, one: (x: unknown, field: string) => T): PerMode<T> {
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

function parseFinalTables(v: unknown, fail: Reader): PerMode<Map<number, Map<bigint, bigint>>> {
  if (!isPlainObject(v)) fail('finalTables', 'must be an object');
  const keys = Object.keys(v);
  const perMode = keys.length > 0 && keys.every(isMode);
  if (perMode) {
    const out: PerMode<Map<number, Map<bigint, bigint>>> = {};
    for (const key of keys as Mode[]) out[key] = parseTables(v[key], `finalTables.${key}`, fail);
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
