/**
 * The timeline of a hand-made log whose every clock, cost and thread is known: where each span
 * and instant goes, to the nanosecond, including paths no workload takes yet (real mode to
 * virtual mode to userspace; a pool worker logging for a vCPU whose ring was full; a worker
 * dying mid-call; real mode's one-record call; a call the log never completes).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H_PUT_TCE } from '../../src/papr/hcalls.js';
import { LogBuilder, type CallArgs } from './log-builder.js';
import { callKey, exportLog, instants, ns, processName, readTrace, spans, trackProblems } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcesim-export-hand-'));
const LIOBN = 0x80000000;
const put = (index: number, tce: bigint): CallArgs => ({ opcode: H_PUT_TCE, liobn: BigInt(LIOBN), ioba: BigInt(index * 4096), arg: tce, npages: 1n });
const vcpu = (id: number) => ({ kind: 'vcpu', id }) as const;
const pool = (id: number) => ({ kind: 'pool', id }) as const;
const main = { kind: 'main', id: 0 } as const;

const log = join(dir, 'hand.tcelog');
new LogBuilder()
  .table(LIOBN, 4096)
  .call(0, 0).enter('realmode', 1000, put(3, 0x5003n), vcpu(0))
  .call(1, 0).enter('realmode', 500, put(9, 0x9003n), pool(7))
  .call(0, 0).escalate('realmode', 'page-not-allocated', 'virtmode', 220, vcpu(0))
  .call(1, 0).escalate('realmode', 'log-full', 'virtmode', 200, pool(7))
  .call(0, 0).escalate('virtmode', 'misaligned-tce', 'userspace', 1500, pool(7))
  .call(1, 0).write('virtmode', LIOBN, 9, 0n, 0x9003n, pool(7))
  .call(1, 0).retry('virtmode', 1, main)
  .call(0, 0).write('userspace', LIOBN, 3, 0n, 0x5003n, main)
  .call(1, 0).write('virtmode', LIOBN, 9, 0x9003n, 0x9003n, pool(9))
  .call(0, 0).complete('userspace', 0, 7870, 123.5, main)
  .call(1, 0).complete('virtmode', 0, 1460, 50, pool(9))
  .call(0, 1).oneRecordCall(9870, 220, put(4, 0x6003n), 0n)
  .call(1, 1).enter('realmode', 3000, put(5, 0x7003n), vcpu(1))
  .call(5, 9).complete('realmode', 0, 220, -1, vcpu(5))
  .save(log);

const out = join(dir, 'hand.json');
const result = exportLog(log, out);
const trace = readTrace(out);

test('one span per completed call, on its vCPU track, from the entry clock for the modelled cost', () => {
  const calls = spans(trace, 'hcall');
  assert.equal(calls.map((c) => [callKey(c), c.pid, c.tid, ns(c.ts), ns(c.dur)]), [
    ['0/0', 1, 1000, 1000, 7870],
    ['1/0', 1, 1001, 500, 1460],
    ['0/1', 1, 1000, 9870, 220],
  ]);
  const [a, b, c] = calls;
  assert.is(a!.name, 'H_PUT_TCE');
  assert.equal(a!.args, {
    vcpu: 0, seq: 0, liobn: '0x80000000', ioba: '0x3000', arg: '0x5003', npages: 1, ret: 'H_SUCCESS', retCode: 0,
    tier: 'userspace', path: 'realmode > virtmode > userspace', clockNs: 1000, costNs: 7870, writes: 1, hwWrites: 0,
    escalations: ['page-not-allocated', 'misaligned-tce'], wallUs: 123.5,
  });
  assert.is(b!.args.writes, 2, 'the dead worker\'s write and the retry\'s');
  assert.is(b!.args.retries, 1);
  assert.equal([c!.args.path, c!.args.writes, c!.args.ioba, c!.args.arg], ['realmode', 1, '0x4000', '0x6003'], 'a one-record call is a whole call');
});

test('each tier on the track of the thread that ran it, tiling the call', () => {
  const tiers = spans(trace, 'tier').map((t) => [callKey(t), t.name, t.pid, t.tid, ns(t.ts), ns(t.dur)]);
  assert.equal(tiers, [
    ['0/0', 'realmode', 1, 1000, 1000, 220],
    ['0/0', 'virtmode', 107, 107000, 1220, 1280],
    ['0/0', 'userspace', 2, 2000, 2500, 6370],
    // Real mode ran on vCPU 1 although pool worker 7 wrote its records (the ring was full).
    ['1/0', 'realmode', 1, 1001, 500, 200],
    ['1/0', 'virtmode', 109, 109001, 700, 1260],
    ['0/1', 'realmode', 1, 1000, 9870, 220],
  ]);
  assert.is(processName(trace, 107), 'virtual-mode pool worker (thread 7)');
  assert.is(processName(trace, 1), 'vCPUs');
  assert.is(processName(trace, 2), 'main thread');
  const wrote = spans(trace, 'tier').find((t) => t.name === 'userspace');
  assert.equal(wrote!.args.firstWrites, ['guest:0x80000000[3] 0x0 -> 0x5003']);
  assert.is(wrote!.args.outcome, 'answered H_SUCCESS');
});

test('escalations and retries are instants where they happened, with their reasons', () => {
  assert.equal(instants(trace, 'escalation').map((e) => [e.args.reason, e.args.from, e.args.to, e.pid, e.tid, ns(e.ts)]), [
    ['page-not-allocated', 'realmode', 'virtmode', 1, 1000, 1220],
    ['misaligned-tce', 'virtmode', 'userspace', 107, 107000, 2500],
    ['log-full', 'realmode', 'virtmode', 1, 1001, 700],
  ]);
  const retries = instants(trace, 'retry');
  assert.is(retries.length, 1);
  assert.equal(
    [retries[0]!.name, retries[0]!.pid, retries[0]!.tid, ns(retries[0]!.ts), retries[0]!.args.crashedThread, retries[0]!.args.writesBeforeCrash],
    ['retry virtmode: worker-crashed', 1, 1001, 700, 'pool worker 7', 1],
  );
});

test('every track is in time order and its spans nest; the summary counts what was left out', () => {
  assert.equal(trackProblems(trace), []);
  assert.is(result.calls, 3);
  assert.is(result.incomplete, 1, 'vCPU 1 call 1 entered and never completed');
  assert.is(result.skippedEvents, 1, 'a completion of a call the log never entered');
  assert.is(result.retries, 1);
  assert.equal(result.escalations, { 'page-not-allocated': 1, 'misaligned-tce': 1, 'log-full': 1 });
  assert.is(result.traceEvents, trace.traceEvents.length);
});

test.run();
