/** The `call` step: one hypercall as the guest makes it, its answer, r4 and the answering tier checked. */
import { HCALL_NAMES, H_GET_TCE, H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE, hcallName, hcallOpcode, isHcallName } from '../papr/hcalls.js';
import { reasonName } from '../papr/reasons.js';
import { isReturnCodeName, returnCode, returnCodeName, RETURN_CODE_NAMES } from '../papr/return-codes.js';
import { TIER_NAMES, isTierName, tierName, type TierName } from '../papr/tiers.js';
import { hex } from '../papr/u64.js';
import type { Machine } from '../pipeline/machine.js';
import { parsePerMode, type PerMode } from './per-mode.js';
import type { ParseEnv, RunState, StepKind, VectorStep } from './step-kinds.js';
import { checkFields, parseSmallInt, parseString, parseU64, type Reader } from './values.js';

export interface CallStep extends VectorStep {
  readonly kind: 'call';
  readonly opcode: number;
  readonly callName: string;
  readonly liobn: bigint;
  readonly ioba: bigint;
  /** r6: tce, tce_value or tce_list */
  readonly arg: bigint;
  readonly npages: bigint;
  /** INDIRECT: what the guest writes at tceList before the call */
  readonly list: bigint[] | undefined;
  readonly expect: PerMode<number>;
  readonly expectTce: PerMode<bigint>;
  readonly answeredBy: PerMode<TierName>;
}

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

/** A return code name the guest can get. */
function parseGuestReturnCode(x: unknown, f: string, fail: Reader): number {
  if (typeof x !== 'string' || !isReturnCodeName(x) || x === 'H_TOO_HARD') {
    fail(f, `${JSON.stringify(x)} is not a return code the guest can get (${RETURN_CODE_NAMES.filter((n) => n !== 'H_TOO_HARD').join(', ')})`);
  }
  return returnCode(x);
}

function parseCall(v: Record<string, unknown>, where: string, env: ParseEnv): CallStep {
  const fail: Reader = env.fail;
  const modes = env.modes;
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
  const expect = parsePerMode(v.expect, `${where}.expect`, fail, (x, f) => parseGuestReturnCode(x, f, fail));
  for (const mode of modes) if (expect[mode] === undefined) fail(`${where}.expect`, `has no answer for mode ${mode}`);
  return {
    kind: 'call',
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
    run(s: RunState, i: number): string[] {
      return runCall(this, s, i);
    },
  };
}

/** The guest writes the list (big-endian u64s) before the call; values past it read as 0. */
function writeList(m: Machine, at: bigint, list: bigint[], npages: bigint): void {
  const count = Math.max(list.length, Number(npages < 512n ? npages : 512n));
  for (let i = 0; i < count; i++) m.tables.ram.writeBe64(at + BigInt(i * 8), list[i] ?? 0n);
}

function runCall(step: CallStep, s: RunState, i: number): string[] {
  const { machine: m, mode } = s;
  const mismatches: string[] = [];
  if (step.list !== undefined || step.opcode === H_PUT_TCE_INDIRECT) writeList(m, step.arg, step.list ?? [], step.npages);
  const r = m.call({ opcode: step.opcode, liobn: step.liobn, ioba: step.ioba, arg: step.arg, npages: step.npages });
  const by = tierName(r.answeredBy);
  const path = r.path.filter((a) => a.reason !== 0).map((a) => `${tierName(a.tier)}: ${reasonName(a.reason)}`).join(', ');
  const said = `got ${returnCodeName(r.ret)} from ${by}${path === '' ? '' : ` after ${path}`}`;
  const where = `step ${i} ${hcallName(step.opcode)}`;
  const expect = step.expect[mode];
  if (expect !== undefined && expect !== r.ret) mismatches.push(`${where}: expected ${returnCodeName(expect)}, ${said}`);
  const expectTce = step.expectTce[mode];
  if (expectTce !== undefined && expectTce !== r.tce) mismatches.push(`${where}: expected tce ${hex(expectTce)}, got ${hex(r.tce)} (${said})`);
  const expectBy = step.answeredBy[mode];
  if (expectBy !== undefined && expectBy !== by) mismatches.push(`${where}: expected an answer from ${expectBy}, ${said}`);
  return mismatches;
}

export const callStepKind: StepKind = { key: 'call', since: 1, parse: parseCall };
