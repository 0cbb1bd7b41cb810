import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCosts, withCosts, type CostTable } from '../pipeline/costs.js';
import { runInline } from '../pipeline/inline-run.js';
import { RunLifecycle } from '../pipeline/run-events.js';
import { isPoolAtomics, POOL_ATOMICS, type PoolAtomics } from '../pipeline/pool-settings.js';
import { defaultRunOptions, type QemuEventLog, type RunOptions } from '../pipeline/run-options.js';
import type { RunResult } from '../pipeline/run-result.js';
import { runThreaded } from '../pipeline/threaded-run.js';
import { isMode, MODES } from '../papr/tiers.js';
import { formatReport } from '../report/report.js';
import { nicThroughputLine } from '../gain/nic-line.js';
import { withQemuTrace } from '../trace/qemu-trace-writer.js';
import { parseTableOverride, TABLE_OVERRIDE_SEPARATOR } from '../trace/table-geometry.js';
import { scanTraceParams, TRACE_WORKLOAD } from '../trace/trace-workload.js';
import { parseWorkloadArg, WORKLOADS } from '../workload/registry.js';
import type { WorkloadParams } from '../workload/workload.js';
import { UsageError } from './usage-error.js';
import { MACHINE_HELP, MACHINE_OPTIONS, machineOption } from './machine-options.js';
import { formatHostReport } from '../report/host-report.js';
import { formatTableMove, formatTraceReport } from '../report/trace-report.js';
import { QEMU_EVENTS_PARAM, qemuEventsOf } from '../workload/qemu-events.js';
import type { TraceAnswerCheck } from '../trace/trace-answer-check.js';

const d0 = defaultRunOptions();

function workloadHelp(): string {
  return WORKLOADS.map((w) => [`  ${w.name}: ${w.description}`, ...Object.entries(w.params).map(([k, v]) => `      ${k}=${v}`)].join('\n')).join('\n');
}

export const RUN_HELP = `tcesim run [options]

Runs a workload on the pipeline: vCPU threads making hypercalls, real mode inline on them,
a piscina pool for virtual mode, the QEMU model on the main thread. Prints the report.

  --mode M          realmode (R, V, U) | virtmode (V, U) | userspace (U)   [realmode]
  --vcpus N         vCPU threads                                             [2]
  --workload NAME[:K=V,...]  ${WORKLOADS.map((w) => w.name).join(' | ')}, with parameters    [nic]
  --calls N         calls per vCPU                                           [1000000]
  --seed S          workload seed (0 .. 2^32-1)                              [1]
  --log FILE        write the binary event log (docs/event-log-format.md)
  --pool-threads N  virtual-mode pool threads                                [${d0.poolThreads}]
  --pool-atomics A  piscina atomics: ${POOL_ATOMICS.join(' | ')}                 [${d0.poolAtomics}]
  --pool-tasks N    piscina concurrentTasksPerWorker                         [${d0.poolTasksPerWorker}]
  --poll-us N       a thread polls up to N us for a hand-off before it sleeps, adaptively,
                    as KVM's halt_poll_ns (0: always sleep; wall-clock only)  [${d0.pollUs}]
  --ring N          event ring size in records, a power of two              [524288]
  --cost NAME=NS    override one modelled cost (repeatable; see docs/modelled-time.md)
  --costs FILE      override modelled costs from a JSON object of NAME: NS
  --inline          run every step on the main thread (no worker threads)
  --crash-pool-at-write N   fault injection: the pool worker making the Nth table write dies
  --trace FILE      replay a QEMU spapr_iommu trace log (the trace workload): 1 vCPU, and
                    --calls defaults to the trace's hypercalls (docs/qemu-traces.md)
  --trace-table LIOBN:PAGE:OFFSET:SIZE   with --trace: the geometry of LIOBN's table, e.g.
                    0x80000000:64K:0:2G (repeatable) [from the trace, else sPAPR defaults]
  --emit-qemu-trace FILE   write each hcall the userspace tier handles as QEMU 7.2's trace
                    line (in realmode/virtmode only the calls that reach userspace)
  --qemu-event CALL:OP:PHB[:GROUP]   a machine event as vCPU 0's call number CALL (0-based, in
                    place of a workload call): hotplug-vfio / unplug-vfio of a device of IOMMU
                    group GROUP on PHB PHB, or reset of the PHB (repeatable; docs/qemu-traces.md)
${MACHINE_HELP}

Progress goes to stderr when it is a terminal.

Workloads (--workload NAME:K=V,K=V; docs/workloads.md):
${workloadHelp()}`;

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

/** --trace FILE with its --trace-table overrides -> the trace workload and its parameters. */
function traceWorkloadOption(file: string, tables: readonly string[]): { name: string; params: WorkloadParams } {
  const seen = new Set<number>();
  for (const t of tables) {
    let liobn: number;
    try {
      liobn = parseTableOverride(t).liobn;
    } catch (e) {
      // Its messages start `table "…"`: name the option instead.
      if (e instanceof RangeError) throw new UsageError(e.message.replace(/^table /, '--trace-table '));
      throw e;
    }
    if (seen.has(liobn)) throw new UsageError(`--trace-table ${JSON.stringify(t)}: liobn 0x${liobn.toString(16)} is given twice`);
    seen.add(liobn);
  }
  return { name: TRACE_WORKLOAD, params: tables.length === 0 ? { file } : { file, tables: tables.join(TABLE_OVERRIDE_SEPARATOR) } };
}

/**
 * A trace is one guest's call stream of known length: 1 vCPU, and as many calls as it has
 * unless fewer are asked for. The pre-scan here checks every line before the run starts.
 */
function traceRunShape(params: WorkloadParams, vcpus: string | undefined, calls: string | undefined, events: number): { vcpus: number; calls: number } {
  let scanned: number;
  try {
    // Each machine event takes a call of its own.
    scanned = scanTraceParams(params).calls + events;
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const v = intOption('vcpus', vcpus, 1);
  if (v !== 1) throw new UsageError(`--vcpus ${v}: a trace is one guest's call stream; replay it on 1 vCPU`);
  const n = intOption('calls', calls, scanned);
  if (n > scanned) throw new UsageError(`--calls ${n}: the trace ${params['file']} has only ${scanned} hypercalls`);
  return { vcpus: 1, calls: n };
}

/** Whether two paths name one file (the emitted trace would truncate the trace being replayed). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

export function parseRunOptions(argv: string[]): RunOptions & { inline: boolean; emitQemuTrace: string | null } {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      mode: { type: 'string' }, vcpus: { type: 'string' }, workload: { type: 'string' }, calls: { type: 'string' },
      seed: { type: 'string' }, log: { type: 'string' }, 'pool-threads': { type: 'string' }, ring: { type: 'string' },
      cost: { type: 'string', multiple: true }, costs: { type: 'string' }, inline: { type: 'boolean' },
      'crash-pool-at-write': { type: 'string' }, trace: { type: 'string' }, 'trace-table': { type: 'string', multiple: true },
      'emit-qemu-trace': { type: 'string' }, 'pool-atomics': { type: 'string' }, 'pool-tasks': { type: 'string' },
      ...MACHINE_OPTIONS,
      'poll-us': { type: 'string' },
      'qemu-event': { type: 'string', multiple: true },
    },
  });
  if (positionals.length > 0) throw new UsageError(`run takes no positional arguments, got ${positionals.join(' ')}`);
  const d = defaultRunOptions();
  const mode = values.mode ?? d.mode;
  if (!isMode(mode)) throw new UsageError(`--mode ${JSON.stringify(mode)} must be one of ${MODES.join(', ')}`);
  const tables = values['trace-table'];
  if (tables !== undefined && values.trace === undefined) throw new UsageError(`--trace-table ${tables[0] ?? ''} needs --trace FILE`);
  if (values.trace !== undefined && values.workload !== undefined) {
    throw new UsageError(`--trace ${values.trace} and --workload ${values.workload} both choose the workload: give one`);
  }
  const emit = values['emit-qemu-trace'];
  const replayed = values.trace ?? (values.workload?.startsWith(`${TRACE_WORKLOAD}:`) ? parseWorkloadOption(values.workload).params['file'] : undefined);
  if (emit !== undefined && replayed !== undefined && sameFile(emit, replayed)) {
    throw new UsageError(`--emit-qemu-trace ${emit} is the trace being replayed: write it elsewhere`);
  }
  const chosen = values.trace !== undefined ? traceWorkloadOption(values.trace, tables ?? []) : parseWorkloadOption(values.workload ?? d.workload);
  const events = values['qemu-event'] ?? [];
  const workload = events.length === 0 ? chosen : { ...chosen, params: { ...chosen.params, [QEMU_EVENTS_PARAM]: events.join('+') } };
  try {
    qemuEventsOf(workload.params);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--qemu-event: ${e.message}`);
    throw e;
  }
  const shape = workload.name === TRACE_WORKLOAD
    ? traceRunShape(workload.params, values.vcpus, values.calls, events.length)
    : { vcpus: intOption('vcpus', values.vcpus, d.vcpus), calls: intOption('calls', values.calls, d.calls) };
  const o: RunOptions & { inline: boolean; emitQemuTrace: string | null } = {
    mode,
    vcpus: shape.vcpus,
    workload: workload.name,
    workloadParams: workload.params,
    calls: shape.calls,
    seed: intOption('seed', values.seed, d.seed),
    log: values.log ?? null,
    costs: costsFrom(values),
    ringRecords: intOption('ring', values.ring, d.ringRecords),
    poolThreads: intOption('pool-threads', values['pool-threads'], d.poolThreads),
    poolAtomics: poolAtomicsOption(values['pool-atomics'], d.poolAtomics),
    poolTasksPerWorker: intOption('pool-tasks', values['pool-tasks'], d.poolTasksPerWorker),
    pollUs: intOption('poll-us', values['poll-us'], d.pollUs),
    keepRecords: false,
    crashPoolAtWrite: intOption('crash-pool-at-write', values['crash-pool-at-write'], 0),
    inline: values.inline ?? false,
    emitQemuTrace: emit ?? null,
    machine: machineOption(values),
  };
  return o;
}

function poolAtomicsOption(value: string | undefined, fallback: PoolAtomics): PoolAtomics {
  if (value === undefined) return fallback;
  if (!isPoolAtomics(value)) throw new UsageError(`--pool-atomics ${JSON.stringify(value)} must be one of ${POOL_ATOMICS.join(', ')}`);
  return value;
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
  let emitted = 0;
  const events: QemuEventLog = { moves: [] };
  const check: TraceAnswerCheck = { checked: 0, differing: 0, first: null };
  try {
    // The QEMU trace is closed (flushed) when the run ends, whether it completed or failed.
    result = await withQemuTrace(o.emitQemuTrace, async (trace) => {
      const run: RunOptions = { ...o, qemuTrace: trace, qemuEventLog: events, traceCheck: check };
      try {
        if (o.inline) return runInline(run);
        const lifecycle = new RunLifecycle();
        const clear = progressReporter(lifecycle, process.stderr);
        try {
          return await runThreaded(run, lifecycle);
        } finally {
          clear();
        }
      } finally {
        emitted = trace?.lines ?? 0;
      }
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  out(formatReport(o, result.stats, { workerCrashes: result.workerCrashes, records: result.recordCount, sharedTables: result.sharedTables }));
  const nic = nicThroughputLine(o.workload, o.workloadParams, result.vcpus);
  if (nic !== null) out(nic);
  if (result.host) out(`\n${formatHostReport(result.host)}`);
  if (o.workload === TRACE_WORKLOAD) {
    out(formatTraceReport(scanTraceParams(o.workloadParams)));
    out(`trace answers: ${check.checked.toLocaleString('en-US')} hcalls checked, ${check.differing.toLocaleString('en-US')} answered otherwise than in the trace` +
      (check.first === null ? '' : ` (first: ${check.first})`));
  }
  for (const m of events.moves) out(formatTableMove(m.liobn, m.replayed, o.costs.userspacePerEntry));
  if (o.log !== null) out(`event log: ${o.log}`);
  if (o.emitQemuTrace !== null) out(`qemu trace: ${o.emitQemuTrace} (${emitted.toLocaleString('en-US')} lines)`);
  return 0;
}
