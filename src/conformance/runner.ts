import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hcallName } from '../papr/hcalls.js';
import { reasonName } from '../papr/reasons.js';
import { returnCodeName } from '../papr/return-codes.js';
import { tierName, type Mode } from '../papr/tiers.js';
import { Machine } from '../pipeline/machine.js';
import { hex } from '../papr/u64.js';
import { VectorError } from './values.js';
import { parseVector, type Vector } from './vector.js';

export interface RunResult {
  vector: string;
  file: string;
  mode: Mode;
  mismatches: string[];
}

/** Run one vector in one mode on a fresh machine; every mismatch is listed. */
export function runVectorMode(v: Vector, mode: Mode): RunResult {
  const m = new Machine(v.machine, mode);
  const mismatches: string[] = [];
  v.steps.forEach((step, i) => {
    if (step.list !== undefined || step.opcode === 0x13c) writeList(m, step.arg, step.list ?? [], step.npages);
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
  });
  const final = v.finalTables[mode];
  if (final !== undefined) {
    for (const [liobn, expected] of final) {
      if (m.tables.findTable(liobn) < 0) {
        mismatches.push(`final table ${hex(liobn)}: no such table`);
        continue;
      }
      const actual = m.nonZeroEntries(liobn);
      for (const [ioba, value] of expected) {
        const got = actual.get(ioba) ?? 0n;
        if (got !== value) mismatches.push(`final table ${hex(liobn)} ioba ${hex(ioba)}: expected ${hex(value)}, got ${hex(got)}`);
      }
      for (const [ioba, got] of actual) {
        if (!expected.has(ioba)) mismatches.push(`final table ${hex(liobn)} ioba ${hex(ioba)}: expected 0x0, got ${hex(got)}`);
      }
    }
  }
  return { vector: v.name, file: v.file, mode, mismatches };
}

/** The guest writes the list (big-endian u64s) before the call; values past it read as 0. */
function writeList(m: Machine, at: bigint, list: bigint[], npages: bigint): void {
  const count = Math.max(list.length, Number(npages < 512n ? npages : 512n));
  for (let i = 0; i < count; i++) m.tables.ram.writeBe64(at + BigInt(i * 8), list[i] ?? 0n);
}

/** Files named by the paths: a file as it is, a folder's *.json files (recursively, sorted). */
export function collectVectorFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new VectorError(p, '(file)', 'no such file or folder');
    }
    if (st.isDirectory()) {
      const names = readdirSync(p).sort();
      out.push(...collectVectorFiles(names.filter((n) => n.endsWith('.json') || statSync(join(p, n)).isDirectory()).map((n) => join(p, n))));
    } else {
      out.push(p);
    }
  }
  return out;
}

export function loadVector(file: string): Vector {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VectorError(file, '(file)', `cannot be read: ${(e as Error).message}`);
  }
  return parseVector(file, text);
}

export function formatResult(r: RunResult): string {
  const head = `${r.mismatches.length === 0 ? 'ok  ' : 'FAIL'} ${r.vector} [${r.mode}]`;
  return r.mismatches.length === 0 ? head : `${head}: ${r.mismatches.join('; ')}`;
}
