/**
 * A real-shaped trace of any length for the replay benchmarks: the sample QEMU 7.2 trace
 * (test/data/traces/qemu-7.2-pseries-ddw-off.log, 10,530 hcalls of a pseries guest booting
 * and running a NIC) with its table lines once and its hcall lines repeated until the trace
 * holds at least `calls` calls. Every repeat replays on the same tables, so each line stays a
 * line QEMU could have printed there. Written to the temporary folder at bench time (a 400k-call
 * trace is 30 MB), once per length.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLE_TRACE = fileURLToPath(new URL('../../../test/data/traces/qemu-7.2-pseries-ddw-off.log', import.meta.url));

/** Calls of the replay benchmark. */
const BENCH_TRACE_CALLS = 400_000;

const HCALL_LINE = /^spapr_iommu_(pci_)?(put|get|indirect|stuff) /;

export interface BenchTrace {
  readonly file: string;
  /** Hcall lines in it: the calls a full replay makes. */
  readonly calls: number;
}

/** The benchmark trace of at least `calls` calls (made once, then reused). */
export function benchTrace(calls = BENCH_TRACE_CALLS, sample = SAMPLE_TRACE): BenchTrace {
  const lines = readFileSync(sample, 'latin1').split('\n').filter((l) => l !== '');
  const head = lines.filter((l) => !HCALL_LINE.test(l));
  const body = lines.filter((l) => HCALL_LINE.test(l));
  if (body.length === 0) throw new RangeError(`${sample} has no hcall lines`);
  const repeats = Math.ceil(calls / body.length);
  const total = repeats * body.length;
  const file = join(tmpdir(), `tcesim-bench-trace-${total}.log`);
  if (!existsSync(file)) {
    const chunk = `${body.join('\n')}\n`;
    const text = `${head.join('\n')}\n${chunk.repeat(repeats)}`;
    const part = `${file}.${process.pid}.part`;
    writeFileSync(part, text, 'latin1');
    renameSync(part, file);
  }
  return { file, calls: total };
}

/**
 * What a user waits for a replay: `tcesim run --trace FILE --mode MODE` as its own process,
 * from its spawn to its exit (Node's start, the CLI's modules, the threads' start-up, the
 * pre-scan, the machine's set-up, the run, the report). Milliseconds; throws when the command fails.
 */
export function replayCommandMs(file: string, mode: string): number {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [main, 'run', '--trace', file, '--mode', mode], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
  const ms = performance.now() - t0;
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`tcesim run --trace ${file} --mode ${mode} exited with ${r.status ?? r.signal}: ${r.stderr.toString().trim()}`);
  return ms;
}
