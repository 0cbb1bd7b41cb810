import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultCosts, withCosts, type CostTable } from '../pipeline/costs.js';
import { runInline } from '../pipeline/inline-run.js';
import { RunLifecycle } from '../pipeline/run-events.js';
import { defaultRunOptions, type RunOptions } from '../pipeline/run-options.js';
import type { RunResult } from '../pipeline/run-result.js';
import { runThreaded } from '../pipeline/threaded-run.js';
import { isMode, MODES } from '../papr/tiers.js';
import { formatReport } from '../report/report.js';
import { parseWorkloadArg, WORKLOADS } from '../workload/registry.js';
import type { WorkloadParams } from '../workload/workload.js';
import { UsageError } from './usage-error.js';

export const RUN_HELP = `tcesim run [options]

Runs a workload on the pipeline: vCPU threads making hypercalls, real mode inline on them,
a piscina pool for virtual mode, the QEMU model on the main thread. Prints the report.

  --mode M          realmode (R, V, U) | virtmode (V, U) | userspace (U)   [realmode]
  --vcpus N         vCPU threads                                             [2]
  --workload NAME[:K=V,...]  ${WORKLOADS.map((w) => w.name).join(' | ')}, with parameters    [nic]
  --calls N         calls per vCPU                                           [1000000]
  --seed S          workload seed (0 .. 2^32-1)                              [1]
  --log FILE        write the binary event log (docs/event-log-format.md)
  --pool-threads N  virtual-mode pool threads                                [1]
  --ring N          event ring size in records, a power of two              [524288]
  --cost NAME=NS    override one modelled cost (repeatable; see docs/modelled-time.md)
  --costs FILE      override modelled costs from a JSON object of NAME: NS
  --inline          run every step on the main thread (no worker threads)
  --crash-pool-at-write N   fault injection: the pool worker making the Nth table write dies

Progress goes to stderr when it is a terminal.`;

function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} ${JSON.stringify(value)} is not a non-negative integer`);
  return Number(value);
}

function costsFrom(values: { cost?: string[]; costs?: string }): CostTable {
  let costs = defaultCosts();
  try {
    if (values.costs !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(values.costs, 'utf8'));
      } catch (e) {
        throw new UsageError(`--costs ${values.costs}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--costs ${values.costs}: not a JSON object`);
      costs = withCosts(costs, parsed as Record<string, unknown>, values.costs);
    }
    for (const kv of values.cost ?? []) {
      const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(kv);
      if (m === null) throw new UsageError(`--cost ${JSON.stringify(kv)} must be NAME=NANOSECONDS`);
      costs = withCosts(costs, { [m[1] as string]: Number(m[2]) }, '--cost');
    }
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  return costs;
}

export function parseRunOptions(argv: string[]): RunOptions & { inline: boolean } {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      mode: { type: 'string' }, vcpus: { type: 'string' }, workload: { type: 'string' }, calls: { type: 'string' },
      seed: { type: 'string' }, log: { type: 'string' }, 'pool-threads': { type: 'string' }, ring: { type: 'string' },
      cost: { type: 'string', multiple: true }, costs: { type: 'string' }, inline: { type: 'boolean' },
      'crash-pool-at-write': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`run takes no positional arguments, got ${positionals.join(' ')}`);
  const d = defaultRunOptions();
  const mode = values.mode ?? d.mode;
  if (!isMode(mode)) throw new UsageError(`--mode ${JSON.stringify(mode)} must be one of ${MODES.join(', ')}`);
  const workload = parseWorkloadOption(values.workload ?? d.workload);
  const o: RunOptions & { inline: boolean } = {
    mode,
    vcpus: intOption('vcpus', values.vcpus, d.vcpus),
    workload: workload.name,
    workloadParams: workload.params,
    calls: intOption('calls', values.calls, d.calls),
    seed: intOption('seed', values.seed, d.seed),
    log: values.log ?? null,
    costs: costsFrom(values),
    ringRecords: intOption('ring', values.ring, d.ringRecords),
    poolThreads: intOption('pool-threads', values['pool-threads'], d.poolThreads),
    keepRecords: false,
    crashPoolAtWrite: intOption('crash-pool-at-write', values['crash-pool-at-write'], 0),
    inline: values.inline ?? false,
  };
  return o;
}

function parseWorkloadOption(arg: string): { name: string; params: WorkloadParams } {
  try {
    return parseWorkloadArg(arg);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--workload ${JSON.stringify(arg)}: ${e.message}`);
    throw e;
  }
}

/** A progress line on a terminal, rewritten in place; nothing when stderr is piped. */
function progressReporter(lifecycle: RunLifecycle, stream: NodeJS.WriteStream): () => void {
  if (!stream.isTTY) return () => undefined;
  const started = performance.now();
  lifecycle.on('progress', (done, total) => {
    const s = (performance.now() - started) / 1000;
    stream.write(`\r${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} calls (${((100 * done) / total).toFixed(0)}%), ${s.toFixed(1)} s`);
  });
  lifecycle.on('worker-crashed', (i) => stream.write(`\nvirtual-mode worker died in vCPU ${i.vcpu} call ${i.seq}; trying again (attempt ${i.attempt})\n`));
  return () => stream.write('\r\x1b[K');
}

export async function runCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const o = parseRunOptions(argv);
  let result: RunResult;
  try {
    if (o.inline) {
      result = runInline(o);
    } else {
      const lifecycle = new RunLifecycle();
      const clear = progressReporter(lifecycle, process.stderr);
      try {
        result = await runThreaded(o, lifecycle);
      } finally {
        clear();
      }
    }
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  out(formatReport(o, result.stats, { workerCrashes: result.workerCrashes, records: result.recordCount, sharedTables: result.sharedTables }));
  if (o.log !== null) out(`event log: ${o.log}`);
  return 0;
}
