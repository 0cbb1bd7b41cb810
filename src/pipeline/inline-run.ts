/**
 * The pipeline on one thread: every step of every call runs on the calling thread, vCPUs
 * taking turns call by call. Same steps, same log, same modelled clock as the threaded run,
 * without thread hops; for tests, small runs and checking the threaded run against.
 */
import type { Observable } from 'rxjs';
import type { TcesimEvent } from '../events/events.js';
import { EventWriter } from '../events/writer.js';
import { TceTables } from '../shared-memory/tce-tables.js';
import { TierMeter } from './costs.js';
import type { RunResult } from './run-result.js';
import { RunMachine } from './run-machine.js';
import type { RunOptions } from './run-options.js';
import { STEP_NEXT, kernelStep, userspaceStep, type StepContext } from './steps.js';
import { Vcpu } from './vcpu.js';

/** `observe` gets the run's live event stream before the first call. */
export function runInline(options: RunOptions, observe?: (events$: Observable<TcesimEvent>) => void): RunResult {
  const m = new RunMachine(options);
  observe?.(m.stream.events$);
  const kt = new TceTables(m.shared);
  const kw = new EventWriter(m.ring, () => m.drain.drain());
  kt.writeLog = kw;
  const kernel: StepContext = { t: kt, w: kw, meter: new TierMeter(options.costs) };
  const vcpus = Array.from({ length: options.vcpus }, (_, v) => new Vcpu({
    shared: m.shared, ring: m.ring, frames: m.frames, vcpu: v, vcpus: options.vcpus, firstTier: m.firstTier,
    workload: options.workload, workloadParams: options.workloadParams, seed: options.seed, calls: options.calls, costs: options.costs,
  }, m.spec));
  const start = performance.now();
  for (let seq = 0; seq < options.calls; seq++) {
    for (const v of vcpus) {
      if (v.begin(seq) === STEP_NEXT && kernelStep(kernel, m.firstTier, v.f, v.fd) === STEP_NEXT) {
        userspaceStep(m.main, m.qemu, m.hcalls, v.f, v.fd);
      }
      v.end();
    }
    if ((seq & 255) === 255) m.drain.drain();
  }
  const wallMs = performance.now() - start;
  m.drain.drain();
  m.finish(vcpus.map((v) => v.totals), wallMs);
  return {
    options, vcpus: vcpus.map((v) => v.totals), wallMs, stats: m.stats,
    records: m.memory?.words() ?? null, recordCount: m.drain.drained, workerCrashes: 0,
    sharedTables: m.spec.sharesTables, host: m.hostSummary(),
  };
}
