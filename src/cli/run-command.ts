import { readFileSync } from 'node:fs';
import { defaultCosts, withCosts, type CostTable } from '../pipeline/costs.js';
import { runInline } from '../pipeline/inline-run.js';
import { RunLifecycle } from '../pipeline/run-events.js';
import { isPoolAtomics, POOL_ATOMICS, type PoolAtomics } from '../pipeline/pool-settings.js';
import { checkRunOptions, defaultRunOptions, type QemuEventLog, type RunOptions } from '../pipeline/run-options.js';
import type { RunResult } from '../pipeline/run-result.js';
import { runThreaded } from '../pipeline/threaded-run.js';
import { takeEarlyThreads } from './early-threads.js';
import { isMode, MODES } from '../papr/tiers.js';
import { formatReport } from '../report/report.js';
import { nicThroughputLine } from '../gain/nic-line.js';
import { withQemuTrace } from '../trace/qemu-trace-writer.js';
import { parseTableOverride, TABLE_OVERRIDE_SEPARATOR } from '../trace/table-geometry.js';
import { scanTraceParams, TRACE_WORKLOAD } from '../trace/trace-workload.js';
import { parseWorkloadArg, WORKLOADS } from '../workload/registry.js';
import type { WorkloadParams } from '../workload/workload.js';
import { parseCommandArgs } from './args.js';
import { checkOutputs, writesStdout, type PathArg } from './output-paths.js';
import { progressText } from './progress.js';
import { UsageError } from './usage-error.js';
import { MACHINE_HELP, MACHINE_OPTIONS, machineOption } from './machine-options.js';
import { formatHostReport } from '../report/host-report.js';
import { formatTableMove } from '../report/trace-report.js';
import { formatTraceRunCounts, traceRunCounts } from '../trace/trace-run-counts.js';
import { QEMU_EVENTS_PARAM, qemuEventsOf } from '../workload/qemu-events.js';
import type { TraceAnswerCheck } from '../trace/trace-answer-check.js';
import { OutputWriteError, systemErrorText } from '../events/write-error.js';

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
  // A negative number is read as one, so the range check below names the bound it breaks.
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} ${JSON.stringify(value)} is not a non-negative integer`);
  // Beyond 2^53 the number read is not the one typed: name the value as typed.
  if (!Number.isSafeInteger(Number(value))) throw new UsageError(`--${name} ${value} is too large`);
  return Number(value);
}

/** No modelled step costs a second: larger figures lose their meaning (and their digits). */
const MAX_COST_NS = 1e9;

function costsFrom(values: { cost?: string[]; costs?: string }): CostTable {
  let costs = defaultCosts();
  try {
    if (values.costs !== undefined) {
      let parsed: unknown;
      if (values.costs === '') throw new UsageError('--costs needs a file name, got an empty one');
      let text: string;
      try {
        text = readFileSync(values.costs, 'utf8');
      } catch (e) {
        throw new UsageError(`--costs ${values.costs}: cannot read it: ${systemErrorText(e)}`);
      }
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new UsageError(`--costs ${values.costs}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
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
  for (const [name, ns] of Object.entries(costs)) {
    if (ns > MAX_COST_NS) {
      throw new UsageError(`${values.cost?.some((kv) => kv.startsWith(`${name}=`)) === true ? '--cost' : `--costs ${values.costs ?? ''}`}: cost ${name} = ${ns} ns is above the largest allowed, ${MAX_COST_NS} ns (1 s per step)`);
    }
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
function traceRunShape(params: WorkloadParams, vcpus: string | undefined, calls: string | undefined, events: number): { vcpus: number; calls: number; notes: string[] } {
  let scanned: number;
  // Skipped and mangled lines are counted under the report (src/trace/trace-run-counts.ts).
  const notes: string[] = [];
  try {
    const scan = scanTraceParams(params);
    // Each machine event takes a call of its own.
    scanned = scan.calls + events;
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const v = intOption('vcpus', vcpus, 1);
  if (v !== 1) throw new UsageError(`--vcpus ${v}: a trace is one guest's call stream; replay it on 1 vCPU`);
  const n = intOption('calls', calls, scanned);
  if (n > scanned) throw new UsageError(`--calls ${n}: the trace ${params['file']} has only ${scanned} hypercalls`);
  return { vcpus: 1, calls: n, notes };
}

export function parseRunOptions(argv: string[]): RunOptions & { inline: boolean; emitQemuTrace: string | null; notes: readonly string[] } {
  const { values, positionals } = parseCommandArgs('run', argv, {
      mode: { type: 'string' }, vcpus: { type: 'string' }, workload: { type: 'string' }, calls: { type: 'string' },
      seed: { type: 'string' }, log: { type: 'string' }, 'pool-threads': { type: 'string' }, ring: { type: 'string' },
      cost: { type: 'string', multiple: true }, costs: { type: 'string' }, inline: { type: 'boolean' },
      'crash-pool-at-write': { type: 'string' }, trace: { type: 'string' }, 'trace-table': { type: 'string', multiple: true },
      'emit-qemu-trace': { type: 'string' }, 'pool-atomics': { type: 'string' }, 'pool-tasks': { type: 'string' },
      ...MACHINE_OPTIONS,
      'poll-us': { type: 'string' },
      'qemu-event': { type: 'string', multiple: true },
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
  // Before any work: no output may be an input or another output, and each must be writable.
  const inputs: PathArg[] = [];
  if (replayed !== undefined) inputs.push({ option: values.trace !== undefined ? '--trace' : '--workload trace', path: replayed, what: 'the trace being replayed' });
  if (values.costs !== undefined) inputs.push({ option: '--costs', path: values.costs, what: 'the --costs file being read' });
  if (values.machine !== undefined) inputs.push({ option: '--machine', path: values.machine, what: 'the --machine file being read' });
  const outputs: PathArg[] = [];
  if (values.log !== undefined) outputs.push({ option: '--log', path: values.log });
  if (emit !== undefined) outputs.push({ option: '--emit-qemu-trace', path: emit });
  checkOutputs(outputs, inputs);
  const chosen = values.trace !== undefined ? traceWorkloadOption(values.trace, tables ?? []) : parseWorkloadOption(values.workload ?? d.workload);
  const events = values['qemu-event'] ?? [];
  // An empty one would vanish in the join below: the run would go on without the event asked for.
  if (events.includes('')) throw new UsageError('--qemu-event needs CALL:OP:PHB[:GROUP], got an empty value');
  const workload = events.length === 0 ? chosen : { ...chosen, params: { ...chosen.params, [QEMU_EVENTS_PARAM]: events.join('+') } };
  let parsedEvents;
  try {
    parsedEvents = qemuEventsOf(workload.params);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--qemu-event: ${e.message}`);
    throw e;
  }
  const shape = workload.name === TRACE_WORKLOAD
    ? traceRunShape(workload.params, values.vcpus, values.calls, events.length)
    : { vcpus: intOption('vcpus', values.vcpus, d.vcpus), calls: intOption('calls', values.calls, d.calls), notes: [] };
  // An event at a call vCPU 0 never makes would silently not happen.
  const late = parsedEvents.find((e) => e.atCall >= shape.calls);
  if (late !== undefined) {
    throw new UsageError(`--qemu-event ${late.atCall}:${late.op}:${late.phb}${late.op === 'reset' ? '' : `:${late.group}`}: call ${late.atCall} is beyond the run's ${shape.calls} calls on vCPU 0 (calls are numbered from 0)`);
  }
  const o: RunOptions & { inline: boolean; emitQemuTrace: string | null; notes: readonly string[] } = {
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
    notes: shape.notes,
  };
  // Every value is checked here, before any file is opened or any thread started.
  try {
    checkRunOptions(o);
  } catch (e) {
    if (e instanceof RangeError) {
      // Name the option as it was typed.
      throw new UsageError(e.message.replace(/^(vcpus|calls|seed|crash-pool-at-write|poll-us) /, '--$1 ').replace(/^pool threads /, '--pool-threads ')
        .replace(/^pool tasks per worker /, '--pool-tasks ').replace(/^ring records /, '--ring: ring records '));
    }
    throw e;
  }
  if (o.crashPoolAtWrite > 0 && (o.inline || o.mode === 'userspace')) {
    throw new UsageError(`--crash-pool-at-write ${o.crashPoolAtWrite}: no virtual-mode pool is in the path of ${o.inline ? '--inline' : '--mode userspace'} (use --mode realmode or virtmode, threaded)`);
  }
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

/** A progress line with an ETA on a terminal, rewritten in place; nothing when stderr is piped. */
function progressReporter(lifecycle: RunLifecycle, stream: NodeJS.WriteStream): () => void {
  if (!stream.isTTY) return () => undefined;
  const started = performance.now();
  lifecycle.on('progress', (done, total) => {
    stream.write(`\r\x1b[K${progressText(done, total, 'calls', (performance.now() - started) / 1000)}`);
  });
  lifecycle.on('worker-crashed', (i) => stream.write(`\r\x1b[Kvirtual-mode worker died in vCPU ${i.vcpu} call ${i.seq}; trying again (attempt ${i.attempt})\n`));
  return () => stream.write('\r\x1b[K');
}

// SIGHUP too: a closed terminal or ssh session, or a CI runner cancelling the job, would otherwise
// kill the run with no report and an unfinished log.
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * While a threaded run goes on, SIGINT, SIGTERM and SIGHUP stop it cleanly: the vCPUs make no more
 * calls, the calls in flight finish, the log is drained, completed and closed, and the report
 * of what was done is printed marked unfinished (exit 130 / 143 / 129). A second signal quits at once.
 */
function stopOnSignals(lifecycle: RunLifecycle, err: (line: string) => void): { received: () => string | null; remove: () => void } {
  let received: string | null = null;
  const handlers = Object.keys(SIGNAL_EXIT).map((sig) => {
    const h = (): void => {
      if (received !== null) {
        err(`tcesim: ${sig} again: quitting now (the log keeps every record drained so far)`);
        process.exit(SIGNAL_EXIT[sig]);
      }
      received = sig;
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      err(`tcesim: ${sig}: stopping: no more calls; finishing the calls in flight, then the log and the report (${sig} again quits at once)`);
      lifecycle.emit('stop', sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return { received: () => received, remove: () => { for (const [sig, h] of handlers) process.off(sig, h); } };
}

export async function runCommand(argv: string[], stdout: (line: string) => void, err: (line: string) => void = (l) => console.error(l)): Promise<number> {
  const o = parseRunOptions(argv);
  // With the log or the QEMU trace written to stdout, the report goes to stderr (line by line).
  const out = writesStdout([o.log, o.emitQemuTrace]) ? (text: string): void => { for (const l of text.split('\n')) err(l); } : stdout;
  let result: RunResult;
  let emitted = 0;
  const events: QemuEventLog = { moves: [] };
  const check: TraceAnswerCheck = { checked: 0, differing: 0, first: null };
  // Set in the finally below, inside a callback: the assertion keeps TypeScript from narrowing it to null.
  let signal = null as string | null;
  try {
    // The QEMU trace is closed (flushed) when the run ends, whether it completed or failed.
    result = await withQemuTrace(o.emitQemuTrace, async (trace) => {
      const run: RunOptions = { ...o, qemuTrace: trace, qemuEventLog: events, traceCheck: check };
      try {
        if (o.inline) return runInline(run);
        const lifecycle = new RunLifecycle();
        const clear = progressReporter(lifecycle, process.stderr);
        const signals = stopOnSignals(lifecycle, err);
        try {
          return await runThreaded(run, lifecycle, undefined, {}, {}, takeEarlyThreads());
        } finally {
          signals.remove();
          signal = signals.received();
          clear();
        }
      } finally {
        emitted = trace?.lines ?? 0;
      }
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    if (e instanceof OutputWriteError && e.what === 'event log' && e.kept.includes('replayable')) throw new OutputWriteError(e.what, e.path, e.cause, `${e.kept}; the run was stopped`);
    throw e;
  }
  const asked = o.vcpus * o.calls;
  const made = result.stats.completed;
  const unfinished = signal !== null ? `stopped by ${signal} after ${made.toLocaleString('en-US')} of ${asked.toLocaleString('en-US')} calls` : null;
  const notes: string[] = [...o.notes];
  const missedCrash = o.crashPoolAtWrite > 0 && result.workerCrashes === 0;
  if (missedCrash) {
    notes.push(`--crash-pool-at-write ${o.crashPoolAtWrite} injected no crash: the pool made only ${(result.poolWrites ?? 0).toLocaleString('en-US')} table writes`);
  }
  out(formatReport(o, result.stats, { workerCrashes: result.workerCrashes, records: result.recordCount, sharedTables: result.sharedTables, unfinished, notes }));
  const nic = nicThroughputLine(o.workload, o.workloadParams, result.vcpus);
  if (nic !== null) out(nic);
  if (o.log !== null) out(`event log: ${o.log}${unfinished !== null ? ' (complete up to the stop: replayable, and tcesim report marks it unfinished)' : ''}`);
  if (result.host) out(`\n${formatHostReport(result.host)}`);
  if (o.workload === TRACE_WORKLOAD) {
    // The same lines `tcesim report LOG` prints from the log's TRACE_COUNTS record.
    const scan = scanTraceParams(o.workloadParams);
    for (const line of formatTraceRunCounts(scan.file, traceRunCounts(scan, check))) out(line);
  }
  for (const m of events.moves) out(formatTableMove(m.liobn, m.replayed, o.costs.userspacePerEntry));
  if (o.emitQemuTrace !== null) out(`qemu trace: ${o.emitQemuTrace} (${emitted.toLocaleString('en-US')} lines)`);
  if (signal !== null) return SIGNAL_EXIT[signal] ?? 1;
  return missedCrash ? 1 : 0;
}
