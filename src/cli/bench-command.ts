/** `tcesim bench`: runs the benchmark suite, prints its tables and optionally writes a bench file. */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fullConfig, quickConfig } from '../benchmarks/config.js';
import { planSuite, runSuite, type SuiteOutput } from '../benchmarks/suite.js';
import { formatSuite } from '../benchmarks/tables.js';
import { serializeBenchFile } from '../regression/format.js';
import { OutputWriteError } from '../events/write-error.js';
import { checkOutputs } from './output-paths.js';
import { parseCommandArgs } from './args.js';
import { UsageError } from './usage-error.js';

export const BENCH_HELP = `tcesim bench [--quick] [--json FILE] [--filter REGEX]

Runs the benchmark suite and prints one table per part:
  in-thread   each real-mode handler (H_PUT_TCE, H_GET_TCE, H_STUFF_TCE x1 and x8,
              H_PUT_TCE_INDIRECT x8) and a vCPU step with its event records, in ns per call,
              next to the bare spinlocked 64-bit store
  pipeline    threaded runs of every workload in every mode with 1 and 2 vCPUs: steady
              calls/s (wall and modelled), the DMA bandwidth they sustain, and the ratio to
              the bare limits (the locked store; the worker and pool round trips)
  gain        realmode over userspace on nic, beside seed 002's 220 -> 750-1020 MB/s
  speed       thread hops beside the bare spin and futex round trips, nic virtmode and
              userspace calls/s on 1, 2, 4 vCPUs, a 400k-call trace replayed per mode
  profile     per workload and mode, a fixed-seed inline run's calls per answering tier and
              escalations per reason (exact)

  --quick         a short run (under a minute): in-thread rows in 10 worker processes;
                  every pipeline run once, 1 vCPU (its wall-clock figures get no verdict in
                  tcesim compare, its exact modelled ones do); speed rows once  [full: minutes]
  --json FILE     also write the results, raw samples and profile as a bench file for
                  tcesim compare (format: docs/regression.md)
  --filter REGEX  run only the benchmarks whose name matches (e.g. 'H_GET_TCE', 'pipeline nic',
                  'gain'), with the bare limits they are ratios to; the profile always runs

Progress goes to stderr when it is a terminal. Workloads that are not built yet are skipped
with a note.`;

function compileFilter(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (e) {
    throw new UsageError(`--filter ${JSON.stringify(text)} is not a regular expression (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** A status line rewritten in place on a terminal; nothing when stderr is piped. */
function progressLine(stream: NodeJS.WriteStream): { say: (line: string) => void; clear: () => void } {
  if (!stream.isTTY) return { say: () => undefined, clear: () => undefined };
  const started = performance.now();
  const width = Math.max(20, stream.columns - 1);
  return {
    say: (line) => stream.write(`\r\x1b[K${`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}`.slice(0, width)}`),
    clear: () => stream.write('\r\x1b[K'),
  };
}

export async function benchCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseCommandArgs('bench', argv, { quick: { type: 'boolean' }, json: { type: 'string' }, filter: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`bench takes no positional arguments, got ${positionals.join(' ')}`);
  const base = values.quick === true ? quickConfig() : fullConfig();
  const config = { ...base, filter: values.filter === undefined ? null : compileFilter(values.filter) };
  if (config.filter !== null && !planSuite(config).anySelected) {
    throw new UsageError(`--filter ${JSON.stringify(values.filter)} matches no benchmark (try 'H_PUT_TCE', 'vcpuStep', 'pipeline nic', 'bare', 'gain')`);
  }
  // Before the benchmarks run: a bad --json path is found now, not after minutes of work.
  if (values.json !== undefined) checkOutputs([{ option: '--json', path: values.json }], []);
  const progress = progressLine(process.stderr);
  const started = performance.now();
  let result: SuiteOutput;
  try {
    result = await runSuite(config, progress.say);
  } finally {
    progress.clear();
  }
  for (const line of formatSuite(result)) out(line);
  // What it cost, so a CI budget can be planned (and --quick's "under a minute" checked).
  const runs = (result.pipeline?.combos.length ?? 0) * (result.pipeline?.trips.length ?? 0);
  out('');
  const parts = Object.entries(result.seconds ?? {}).map(([part, s]) => `${part} ${s.toFixed(1)} s`).join(', ');
  out(`bench${config.quick ? ' --quick' : ''} took ${((performance.now() - started) / 1000).toFixed(1)} s (${parts}; loadavg ${loadavg()[0]?.toFixed(2) ?? '?'} at the end): `
    + `${result.micro.length} in-thread rows in ${config.micro.processes} worker processes, ${runs} threaded pipeline runs, ${result.file.profile.runs.length} inline profile runs`);
  if (values.json !== undefined) {
    try {
      writeFileSync(values.json, serializeBenchFile(result.file));
    } catch (e) {
      throw new OutputWriteError('bench file', values.json, e, 'the results are printed above');
    }
    out('');
    out(`wrote ${values.json}: ${result.file.benchmarks.length} benchmarks, ${result.file.profile.runs.length} profile runs`);
  }
  return 0;
}
