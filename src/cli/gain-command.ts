/**
 * `tcesim gain`: the same seeded workload (or a QEMU trace) through every machine, and the table
 * of what in-kernel handling buys, with the held-out published figures beside the predictions.
 */
import { writeFileSync } from 'node:fs';
import { gainReport, gainText } from '../gain/gain-report.js';
import { runGain } from '../gain/run-gain.js';
import { CPUS, costsFor, withCosts, type CostTable, type Cpu } from '../pipeline/costs.js';
import { MAX_VCPUS } from '../pipeline/run-options.js';
import { scanTraceParams, TRACE_WORKLOAD } from '../trace/trace-workload.js';
import { parseWorkloadArg, workloadByName } from '../workload/registry.js';
import type { WorkloadParams } from '../workload/workload.js';
import { pamuBesideGain, pamuBesideText, PAMU_GAIN_WORKLOADS } from '../host/pamu/gain-beside.js';
import { defaultMachineConfig } from '../pipeline/machine-config.js';
import { OutputWriteError } from '../events/write-error.js';
import { parseCommandArgs } from './args.js';
import { checkOutputs, writesStdout } from './output-paths.js';
import { UsageError } from './usage-error.js';

const GAIN_DEFAULT_CALLS = 5000;
/** One vCPU: one transmit queue. The model has no QEMU big lock, so more vCPUs would overstate the
 * no-acceleration machines (docs/modelled-time.md). */
const GAIN_DEFAULT_VCPUS = 1;

export const GAIN_HELP = `tcesim gain [options]

Runs the same seeded workload through every machine — POWER8 KVM (real mode, then virtual
mode), POWER9+ KVM (virtual mode only) and each without acceleration, each with an emulated
device, a VFIO v1 device and a VFIO v2 device (RAM preregistered, KVM link; nic and storage) —
and prints MB/s, calls/s, the gain over no acceleration and the cost ladder per machine, with
the held-out published figures beside the predictions (docs/modelled-time.md).

Options:
  --workload NAME[:K=V,...]  the workload (default nic: 10 GbE, 4 KiB buffers; see tcesim help run)
  --trace FILE      a QEMU spapr_iommu trace instead (1 vCPU, all its calls)
  --vcpus N         vCPUs (default ${GAIN_DEFAULT_VCPUS})
  --calls N         calls per vCPU (default ${GAIN_DEFAULT_CALLS})
  --seed S          seed (default 1)
  --cost NAME=NS    override a cost on every processor (repeatable)
  --json            print the report as JSON instead of text
  --html FILE       also write a one-file HTML report with the charts`;

function intOption(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} ${JSON.stringify(value)} must be a whole number from ${min} to ${max}`);
  return n;
}

function costTables(overrides: readonly string[]): Record<Cpu, CostTable> {
  const out = {} as Record<Cpu, CostTable>;
  for (const cpu of CPUS) {
    let c = costsFor(cpu);
    for (const kv of overrides) {
      const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(kv);
      if (m === null) throw new UsageError(`--cost ${JSON.stringify(kv)} must be NAME=NANOSECONDS`);
      try {
        c = withCosts(c, { [m[1] as string]: Number(m[2]) }, '--cost');
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
    }
    out[cpu] = c;
  }
  return out;
}

export async function gainCommand(argv: string[], stdout: (line: string) => void, err: (line: string) => void = (l) => console.error(l)): Promise<number> {
  const { values, positionals } = parseCommandArgs('gain', argv, {
    workload: { type: 'string' }, trace: { type: 'string' }, vcpus: { type: 'string' }, calls: { type: 'string' },
    seed: { type: 'string' }, cost: { type: 'string', multiple: true }, json: { type: 'boolean' }, html: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`gain takes no arguments, got ${positionals.join(' ')}`);
  // Before the work: the HTML file can be written and is not the trace being read.
  if (values.html !== undefined) {
    checkOutputs([{ option: '--html', path: values.html }], values.trace === undefined ? [] : [{ option: '--trace', path: values.trace, what: 'the trace being replayed' }]);
  }
  if (values.trace !== undefined && values.workload !== undefined) {
    throw new UsageError(`--trace ${values.trace} and --workload ${values.workload} both choose the workload: give one`);
  }
  // `--html /dev/stdout`: the text (or JSON) report goes to stderr, so stdout holds the HTML alone.
  const out = writesStdout([values.html]) ? (text: string): void => { for (const l of text.split('\n')) err(l); } : stdout;
  let workload: string;
  let params: WorkloadParams;
  let vcpus: number;
  let calls: number;
  try {
    if (values.trace !== undefined) {
      workload = TRACE_WORKLOAD;
      params = { file: values.trace };
      const scanned = scanTraceParams(params).calls;
      vcpus = intOption('vcpus', values.vcpus, 1, 1, 1);
      calls = intOption('calls', values.calls, scanned, 1, scanned);
    } else {
      ({ name: workload, params } = parseWorkloadArg(values.workload ?? 'nic'));
      vcpus = intOption('vcpus', values.vcpus, GAIN_DEFAULT_VCPUS, 1, MAX_VCPUS);
      calls = intOption('calls', values.calls, GAIN_DEFAULT_CALLS, 1, 10_000_000);
      workloadByName(workload).tables(vcpus, params);
    }
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const seed = intOption('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const costs = costTables(values.cost ?? []);
  const run = runGain({ workload, params, vcpus, calls, seed, costs });
  const report = gainReport(run);
  // A PAMU-backed device beside the machines, for the traffic of a passed-through device.
  const pamu = PAMU_GAIN_WORKLOADS.includes(workload) ? pamuBesideGain(run, costs.power8, defaultMachineConfig().ramBytes) : null;
  if (values.json === true) out(JSON.stringify(pamu === null ? report : { ...report, pamu }, null, 2));
  else {
    for (const line of gainText(report)) out(line);
    if (pamu !== null) for (const line of pamuBesideText(pamu, workload, 'POWER8 cost table')) out(line);
  }
  if (values.html !== undefined) {
    // Vega and Vega-Lite take most of a second to load: only --html needs them.
    const { gainHtml } = await import('../gain/html-report.js');
    const html = await gainHtml(report);
    try {
      writeFileSync(values.html, html);
    } catch (e) {
      throw new OutputWriteError('HTML report', values.html, e);
    }
    if (values.json !== true) out(`HTML report: ${values.html}`);
  }
  return 0;
}
