/**
 * The `rtas` step (format /2): an RTAS call as the guest makes it. The runner writes the RTAS
 * argument buffer (token, nargs, nret, the argument words) into the last 4 KiB of guest RAM,
 * makes H_RTAS with its address, and compares the return words with `expect`, status first;
 * a shorter `expect` checks only its first words.
 */
import { H_SUCCESS, returnCodeName } from '../papr/return-codes.js';
import {
  H_RTAS, RTAS_DDW_COUNTS, RTAS_DDW_NAMES, RTAS_MAX_WORDS, isRtasDdwName, rtasToken, type RtasDdwName,
} from '../papr/rtas.js';
import { readRtasRets, writeRtasArgs } from '../workload/rtas-buffer.js';
import { parsePerMode, type PerMode } from './per-mode.js';
import type { ParseEnv, RunState, StepKind, VectorStep } from './step-kinds.js';
import { checkFields, parseSmallInt, parseString, parseU64, type Reader } from './values.js';

const FIELDS = ['rtas', 'args', 'expect', 'nargs', 'nret', 'note'] as const;
/** Where the runner puts the buffer: the last 4 KiB of guest RAM. */
const BUFFER_BYTES = 0x1000;

export interface RtasStep extends VectorStep {
  readonly kind: 'rtas';
  readonly name: RtasDdwName;
  readonly args: readonly number[];
  readonly nargs: number;
  readonly nret: number;
  /** Expected return words, as u32. */
  readonly expect: PerMode<readonly number[]>;
}

/** A 32-bit word: a signed or unsigned JSON number, or a hex string; stored as u32. */
function parseWord(v: unknown, where: string, fail: Reader): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff) return v >>> 0;
  if (typeof v === 'number') fail(where, `${v} is not a 32-bit word (from -2^31 to 2^32-1)`);
  const u = parseU64(v, where, fail);
  if (u > 0xffffffffn) fail(where, `${JSON.stringify(v)} does not fit in 32 bits`);
  return Number(u);
}

function parseWords(v: unknown, where: string, fail: Reader): number[] {
  if (!Array.isArray(v)) fail(where, 'must be an array of 32-bit words');
  if (v.length > RTAS_MAX_WORDS) fail(where, `has ${v.length} words; at most ${RTAS_MAX_WORDS}`);
  return v.map((x, i) => parseWord(x, `${where}[${i}]`, fail));
}

function parseRtas(v: Record<string, unknown>, where: string, env: ParseEnv): RtasStep {
  const fail: Reader = env.fail;
  const modes = env.modes;
  checkFields(v, FIELDS, where, fail);
  const name = v.rtas;
  if (typeof name !== 'string' || !isRtasDdwName(name)) fail(`${where}.rtas`, `${JSON.stringify(name)} is not one of ${RTAS_DDW_NAMES.join(', ')}`);
  if (v.args === undefined) fail(`${where}.args`, 'is required');
  const args = parseWords(v.args, `${where}.args`, fail);
  const counts = RTAS_DDW_COUNTS[name];
  const nargs = v.nargs === undefined ? args.length : parseSmallInt(v.nargs, `${where}.nargs`, fail, 0, RTAS_MAX_WORDS);
  const nret = v.nret === undefined ? counts.nret : parseSmallInt(v.nret, `${where}.nret`, fail, 0, RTAS_MAX_WORDS);
  if (v.nargs === undefined && args.length !== counts.nargs) {
    fail(`${where}.args`, `${name} takes ${counts.nargs} words, got ${args.length} (give nargs to make a call with the wrong count)`);
  }
  if (nargs + nret > RTAS_MAX_WORDS) fail(`${where}.nret`, `nargs + nret is ${nargs + nret}; at most ${RTAS_MAX_WORDS}`);
  if (v.note !== undefined) parseString(v.note, `${where}.note`, fail);
  if (v.expect === undefined) fail(`${where}.expect`, 'is required');
  const expect = parsePerMode(v.expect, `${where}.expect`, fail, (x, f) => {
    const words = parseWords(x, f, fail);
    if (words.length === 0) fail(f, 'must give at least the status word');
    if (words.length > Math.max(nret, 1)) fail(f, `has ${words.length} words but the call returns ${Math.max(nret, 1)}`);
    return words;
  });
  for (const mode of modes) if (expect[mode] === undefined) fail(`${where}.expect`, `has no answer for mode ${mode}`);
  return {
    kind: 'rtas', name, args, nargs, nret, expect,
    run(s: RunState, i: number): string[] {
      return runRtas(this, s, i);
    },
  };
}

function signed(word: number): string {
  const v = word | 0;
  return v < 0 && v >= -16 ? String(v) : `0x${(word >>> 0).toString(16)}`;
}

function runRtas(step: RtasStep, s: RunState, i: number): string[] {
  const m = s.machine;
  const ram = m.tables.ram;
  const at = ram.slotBytes - BUFFER_BYTES;
  writeRtasArgs(ram, at, rtasToken(step.name), step.nargs, step.nret, step.args);
  const r = m.call({ opcode: H_RTAS, liobn: BigInt(at), ioba: 0n });
  const where = `step ${i} ${step.name}`;
  if (r.ret !== H_SUCCESS) return [`${where}: H_RTAS answered ${returnCodeName(r.ret)}`];
  const expect = step.expect[s.mode];
  if (expect === undefined) return [];
  const got = readRtasRets(ram, at, step.nargs, expect.length);
  const same = expect.every((w, k) => w === got[k]);
  return same ? [] : [`${where}: expected [${expect.map(signed).join(', ')}], got [${got.map(signed).join(', ')}]`];
}

export const rtasStepKind: StepKind = { key: 'rtas', since: 2, parse: parseRtas };
