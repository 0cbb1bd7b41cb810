import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Mode } from '../papr/tiers.js';
import { Machine } from '../pipeline/machine.js';
import { hex } from '../papr/u64.js';
import type { RunState } from './step-kinds.js';
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
  const state: RunState = { machine: m, mode, ext: new Map() };
  const mismatches: string[] = [];
  v.steps.forEach((step, i) => mismatches.push(...step.run(state, i)));
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
  for (const check of v.finalChecks) mismatches.push(...check(state));
  return { vector: v.name, file: v.file, mode, mismatches };
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
