import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { QemuTraceLines } from '../../src/trace/qemu-trace-lines.js';
import { ROOT } from '../helpers.js';

/** QEMU 7.2's trace of a Linux guest over three NICs and a disk (/work/shared/traces). */
export const SAMPLE_TRACE = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-pseries-ddw-off.log');

/** The sample's hcall lines (every put, get, indirect and stuff, plain and pci_), each with its newline. */
export function sampleHcallLines(): string {
  return readFileSync(SAMPLE_TRACE, 'latin1').split('\n')
    .filter((l) => /^spapr_iommu_(pci_)?(put|get|indirect|stuff) /.test(l)).map((l) => `${l}\n`).join('');
}

export const SAMPLE_HCALLS = 10530;

/** A fresh folder for a test file's temporary files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tcesim-trace-'));
}

/** Write `lines` as a trace file in `dir` and return its path. */
export function traceFile(dir: string, name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

/** An observer keeping each traced line in memory. */
export class LineRecorder extends QemuTraceLines {
  readonly lines: string[] = [];
  protected push(line: string): void {
    this.lines.push(line);
  }
}

/**
 * Seeded-property input: one of `lines` with 1 to 4 single-character edits (insert, delete or
 * replace) drawn from the characters a QEMU trace line is made of, so damage lands where the
 * parsers look.
 */
export function damagedLines(lines: readonly string[]): fc.Arbitrary<string> {
  const alphabet = fc.constantFrom(...'0123456789abcdefxABCDEFX =-_@.:\r\tpgiunrtscl'.split(''));
  return fc.tuple(fc.constantFrom(...lines), fc.array(fc.tuple(fc.nat(), fc.nat(2), alphabet), { minLength: 1, maxLength: 4 }))
    .map(([line, edits]) => {
      let s = line;
      for (const [p, op, ch] of edits) {
        const i = p % (s.length + 1);
        s = op === 0 ? s.slice(0, i) + ch + s.slice(i) : op === 1 ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + ch + s.slice(i + 1);
      }
      return s;
    });
}
