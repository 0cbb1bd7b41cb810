import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
