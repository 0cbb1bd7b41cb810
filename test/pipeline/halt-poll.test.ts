/**
 * Halt polling (src/shared-memory/halt-poll.ts): the adaptive window, the spinner slots and the
 * crowded-machine gate; and that polling touches nothing but wall-clock time — a run gives
 * the same modelled figures, escalations and tables with polling off and on, for a seed.
 */
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayRecords } from '../../src/events/replay.js';
import { parseRunOptions } from '../../src/cli/run-command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { crowded } from '../../src/pipeline/core-watch.js';
import { HaltPoll, MAX_POLL_US, POLL_GROW_START_NS } from '../../src/shared-memory/halt-poll.js';
import { sharedClockMs } from '../../src/shared-memory/shared-clock.js';
import { checkRunOptions, defaultRunOptions } from '../../src/pipeline/run-options.js';
import { HOP_VCPU_TO_USER } from '../../src/pipeline/hop-times.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import type { UserLoopSettings } from '../../src/pipeline/user-loop.js';
import type { Mode } from '../../src/papr/tiers.js';
import { runFigures } from '../../src/report/report.js';
import { options } from './support.js';

const SPINNERS = 0;
const CROWDED = 1;

function poller(pollUs: number, maxSpinners = 1): { p: HaltPoll; words: Int32Array } {
  const words = new Int32Array(new SharedArrayBuffer(16));
  return { p: new HaltPoll(pollUs, words, SPINNERS, maxSpinners, CROWDED), words };
}

test('the window grows by doubling after short sleeps, up to the largest, and halves to 0 after long ones (KVM halt_poll_ns)', () => {
  const { p } = poller(20);
  assert.is(p.windowNs, POLL_GROW_START_NS);
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    p.adapt(5_000);
    seen.push(p.windowNs);
  }
  assert.equal(seen, [4_000, 8_000, 16_000, 20_000, 20_000]);
  const down: number[] = [];
  for (let i = 0; i < 5; i++) {
    p.adapt(1_000_000);
    down.push(p.windowNs);
  }
  assert.equal(down, [10_000, 5_000, 2_500, 0, 0]);
  p.adapt(10_000);
  assert.is(p.windowNs, POLL_GROW_START_NS, 'a short sleep starts polling again');
  assert.is(p.counts.grew, 5);
  assert.is(p.counts.shrank, 4);
  assert.is(poller(0).p.windowNs, 0, 'poll-us 0: never polls');
});

test('a poll ends as soon as the word changes, or after its window; never with the spinner slots full or the machine crowded', () => {
  const { p, words } = poller(MAX_POLL_US);
  const w = new Int32Array(new SharedArrayBuffer(8));
  w[0] = 7;
  assert.ok(p.poll(w, 0, 3, false), 'already changed');
  assert.ok(p.poll(w, 0, 7, true), 'already there');
  const t0 = performance.now();
  assert.not.ok(new HaltPoll(50, words, SPINNERS, 1, CROWDED).poll(w, 0, 7, false), 'a word nobody writes');
  assert.ok(performance.now() - t0 < 1000);
  assert.is(words[SPINNERS], 0, 'the slot is given back');
  words[SPINNERS] = 1;
  assert.not.ok(p.poll(w, 0, 7, false), 'every spinner slot taken: sleep at once');
  assert.is(words[SPINNERS], 1);
  words[SPINNERS] = 0;
  words[CROWDED] = 1;
  assert.not.ok(p.poll(w, 0, 7, false), 'threads outnumber cores: sleep at once');
  assert.is(p.counts.crowded, 1);
  const before = p.windowNs;
  p.adapt(1);
  assert.is(p.windowNs, before, 'a crowded machine does not move the window');
});

test('a waiter sees another thread\'s write while polling, and one that comes later after sleeping', async () => {
  const { p } = poller(MAX_POLL_US);
  const w = new Int32Array(new SharedArrayBuffer(8));
  const writer = new Worker(`
    const { workerData } = require('node:worker_threads');
    const w = new Int32Array(workerData.buf);
    const until = Date.now() + workerData.delayMs;
    while (Date.now() < until);
    Atomics.store(w, 0, 1);
    Atomics.notify(w, 0);
  `, { eval: true, workerData: { buf: w.buffer, delayMs: 1 } });
  await new Promise((r) => writer.once('online', r));
  p.waitFor(w, 0, 1, w, 1);
  assert.is(Atomics.load(w, 0), 1);
  await new Promise((r) => writer.once('exit', r));
  const late = new Worker(`
    const { workerData } = require('node:worker_threads');
    const w = new Int32Array(workerData.buf);
    setTimeout(() => { Atomics.store(w, 0, 2); Atomics.notify(w, 0); }, 50);
  `, { eval: true, workerData: { buf: w.buffer } });
  const slept = p.counts.slept;
  p.waitWhile(w, 0, 1, w, 1);
  assert.is(Atomics.load(w, 0), 2);
  assert.is(p.counts.slept, slept + 1, 'a write 50 ms away is met asleep');
  await new Promise((r) => late.once('exit', r));
});

test('a sleep is judged by when the hand-off came (the sender\'s stamp), not by how long the wake-up took', () => {
  const busy = (ms: number): void => {
    const until = sharedClockMs() + ms;
    while (sharedClockMs() < until);
  };
  const { p } = poller(20);
  // A hand-off made 5 us into the wait, seen only after a 1 ms wake-up: a 20 us poll would have caught it.
  p.beginWait();
  const handedOff = sharedClockMs() + 0.005;
  busy(1);
  p.sleptUntilNow();
  p.handedOffAt(handedOff);
  assert.is(p.windowNs, 2 * POLL_GROW_START_NS, 'grown');
  p.handedOffAt(handedOff);
  assert.is(p.counts.grew, 1, 'one adaptation per sleep');
  // The same sleep with no stamp given: judged at the next wait by its length, 1 ms > 20 us.
  p.beginWait();
  busy(1);
  p.sleptUntilNow();
  p.beginWait();
  assert.is(p.windowNs, POLL_GROW_START_NS, 'shrunk');
  assert.is(p.counts.shrank, 1);
  // A hand-off 100 us into the wait: beyond the largest window, so it shrinks even though it was stamped.
  const start = sharedClockMs();
  busy(0.2);
  p.sleptUntilNow();
  p.handedOffAt(start + 0.1);
  assert.is(p.windowNs, 0);
});

test('crowded: more runnable threads than cores besides the sampler; unknown counts never crowd', () => {
  assert.not.ok(crowded(3, 2));
  assert.ok(crowded(4, 2));
  assert.not.ok(crowded(-1, 2));
});

test('--poll-us on the command line: the default, a value, and misuse named in one line', () => {
  assert.is(parseRunOptions([]).pollUs, 50);
  assert.is(parseRunOptions(['--poll-us', '0']).pollUs, 0);
  assert.is(parseRunOptions(['--poll-us', '200']).pollUs, 200);
  assert.throws(() => parseRunOptions(['--poll-us', 'fast']), (e: unknown) => e instanceof UsageError && /--poll-us "fast" is not a non-negative integer/.test(e.message));
});

test('poll-us is checked: 0 .. MAX_POLL_US', () => {
  assert.throws(() => checkRunOptions({ ...defaultRunOptions(), pollUs: -1 }), /poll-us -1 must be an integer from 0 to 10000/);
  assert.throws(() => checkRunOptions({ ...defaultRunOptions(), pollUs: MAX_POLL_US + 1 }), /poll-us/);
});

const MODES: Mode[] = ['realmode', 'virtmode', 'userspace'];

/** Every way the threads of a run can wait for each other: polling off, polling at most, the main thread always waiting asynchronously, and in slices at once. */
const WAYS: readonly { name: string; pollUs: number; user: Partial<UserLoopSettings> }[] = [
  { name: 'poll off', pollUs: 0, user: {} },
  { name: 'poll max', pollUs: MAX_POLL_US, user: {} },
  { name: 'main waits async', pollUs: 50, user: { idleSlices: 0 } },
  { name: 'main serves in slices from the start', pollUs: 50, user: { idleSlices: 1_000_000, sliceMs: 0.5 } },
];

test('polling off and on, main thread waiting either way: the same modelled figures, escalation counts, answers and tables for a seed, in every mode', async () => {
  for (const mode of MODES) {
    const runs = [];
    for (const way of WAYS) {
      const r = await runThreaded(options({ mode, workload: 'mixed', vcpus: 2, calls: 600, seed: 11, pollUs: way.pollUs }), undefined, undefined, {}, way.user);
      runs.push({ r, f: runFigures(r.stats), way: way.name });
    }
    const off = runs[0]!;
    const tables = (r: typeof off) => [...replayRecords(r.r.records!, r.r.recordCount).recorded!].map(([k, m]) => [k, [...m].sort((a, b) => a[0] - b[0])]).sort();
    for (const on of runs.slice(1)) {
      const what = `${mode}, ${on.way} against poll off`;
      assert.is(on.f.modelledMs, off.f.modelledMs, `${what}: modelled time`);
      assert.is(on.f.modelledMBPerSec, off.f.modelledMBPerSec, `${what}: modelled MB/s`);
      assert.equal(on.f.escalations, off.f.escalations, `${what}: escalations`);
      assert.equal(on.f.answeredBy, off.f.answeredBy, `${what}: tiers`);
      assert.equal(on.r.vcpus, off.r.vcpus, `${what}: vCPU totals`);
      assert.equal(tables(on), tables(off), `${what}: final tables`);
    }
    if (mode !== 'realmode') assert.ok(Object.values(off.f.answeredBy).reduce((a, b) => a + b, 0) === 1200);
    if (mode === 'userspace') assert.is(off.r.hops?.[HOP_VCPU_TO_USER]!.count, 1200, 'every call of mode userspace made the hop from its vCPU to the main thread');
  }
});

test.run();
