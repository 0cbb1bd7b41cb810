/**
 * Exporting the logs of real (inline) runs: the trace has the Trace Event Format's structure,
 * one span per completed call whose start is the vCPU's clock in the log and whose length is
 * the call's modelled cost, tiers tiling each call on the right tracks, one escalation instant
 * per escalation in the log, tracks Perfetto can draw; streaming changes nothing; --limit and
 * a cut-off log.
 */
import { copyFileSync, mkdtempSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HcallCompleted, HcallEntered } from '../../src/events/events.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { runFigures } from '../../src/report/report.js';
import { options } from '../pipeline/support.js';
import { callKey, decodeLog, exportLog, instants, ns, readTrace, spans, tally, trackProblems } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcesim-export-'));

// Real mode gives some mixed calls up (page-not-allocated); a tiny ring makes it give some up
// with log-full too, whose records a later tier then writes for it.
const realLog = join(dir, 'realmode.tcelog');
const real = runInline(options({ mode: 'realmode', workload: 'mixed', vcpus: 2, calls: 1500, seed: 5, ringRecords: 1024, log: realLog }));
const realTrace = join(dir, 'realmode.json');
const realResult = exportLog(realLog, realTrace);
const trace = readTrace(realTrace);
const decoded = decodeLog(realLog);

test('the trace is a Trace Event Format object that says it is on the modelled clock', () => {
  assert.is(trace.displayTimeUnit, 'ns');
  assert.match(String(trace.otherData.clock), /^modelled/);
  assert.equal((trace.otherData.run as Record<string, unknown>).workload, 'mixed', 'the run description travels with the trace');
  assert.is(realResult.traceEvents, trace.traceEvents.length);
});

test('one span per completed call, starting at the clock the log entered it at, lasting its modelled cost', () => {
  const completed = decoded.events.filter((e): e is HcallCompleted => e.type === 'hcall-completed');
  const entered = new Map(decoded.events.filter((e): e is HcallEntered => e.type === 'hcall-entered').map((e) => [`${e.vcpu}/${e.seq}`, e]));
  const calls = new Map(spans(trace, 'hcall').map((s) => [callKey(s), s]));
  assert.is(completed.length, 3000);
  assert.is(calls.size, completed.length, 'one span per completion, none twice');
  for (const c of completed) {
    const key = `${c.vcpu}/${c.seq}`;
    const s = calls.get(key);
    assert.ok(s !== undefined, `call ${key} has a span`);
    assert.is(ns(s.ts), decoded.enterClock.get(key) ?? entered.get(key)!.clockNs, `call ${key} starts at its vCPU's clock`);
    assert.is(ns(s.dur), c.costNs, `call ${key} lasts its modelled cost`);
    assert.is(s.name, entered.get(key)!.hcall);
    assert.equal([s.pid, s.tid, s.args.tier, s.args.ret], [1, 1000 + c.vcpu, c.tier, c.retName]);
  }
});

test('the tiers of each call tile its span, each on the track of the thread that ran it', () => {
  const tiers = new Map<string, ReturnType<typeof spans>>();
  for (const t of spans(trace, 'tier')) tiers.set(callKey(t), [...(tiers.get(callKey(t)) ?? []), t]);
  for (const call of spans(trace, 'hcall')) {
    const parts = tiers.get(callKey(call)) ?? [];
    assert.is(parts.map((p) => p.name).join(' > '), call.args.path);
    let at = ns(call.ts);
    for (const p of parts) {
      assert.is(ns(p.ts), at, `${callKey(call)}: ${p.name} starts where the previous tier ended`);
      at += ns(p.dur);
      // Inline, real mode runs on the vCPU, the later tiers on the main thread.
      assert.is(p.pid, p.name === 'realmode' ? 1 : 2, `${callKey(call)}: ${p.name} on the right thread`);
      assert.is(p.tid % 1000, call.args.vcpu, 'on the track of the call\'s vCPU');
    }
    assert.is(at, ns(call.ts) + ns(call.dur), `${callKey(call)}: the tiers end where the call ends`);
  }
});

test('one escalation instant per escalation in the log, with its reason', () => {
  const fromLog = tally(decoded.events.filter((e) => e.type === 'escalated'), (e) => e.reason);
  const drawn = instants(trace, 'escalation');
  assert.equal(tally(drawn, (e) => String(e.args.reason)), fromLog);
  assert.equal(fromLog, runFigures(real.stats).escalations, 'and the report of the run counts the same');
  assert.ok((fromLog['page-not-allocated'] ?? 0) > 0 && (fromLog['log-full'] ?? 0) > 0, JSON.stringify(fromLog));
  assert.equal(realResult.escalations, fromLog);
  for (const e of drawn) assert.is(e.pid, 1, 'real mode gives up on the vCPU, even when another thread logged it');
});

test('every track is in time order and its spans nest', () => {
  assert.equal(trackProblems(trace), []);
});

test('the export is the same byte for byte whatever the read block size, and on every export', () => {
  const small = join(dir, 'blocks-7.json');
  exportLog(realLog, small, { limit: null, blockRecords: 7 });
  const again = join(dir, 'again.json');
  exportLog(realLog, again);
  const bytes = readFileSync(realTrace);
  assert.ok(bytes.equals(readFileSync(small)));
  assert.ok(bytes.equals(readFileSync(again)));
});

test('--limit draws the first N calls the log enters, and stops reading there', () => {
  const out = join(dir, 'limit.json');
  const r = exportLog(realLog, out, { limit: 25 });
  const first = decoded.events.filter((e): e is HcallEntered => e.type === 'hcall-entered').slice(0, 25).map((e) => `${e.vcpu}/${e.seq}`);
  const t = readTrace(out);
  assert.equal(spans(t, 'hcall').map(callKey).sort(), [...first].sort());
  assert.is(r.calls, 25);
  assert.is(r.incomplete, 0);
  assert.ok(r.recordsRead < statSync(realLog).size / 64 / 10, `read ${r.recordsRead} records`);
  assert.equal(trackProblems(t), []);
});

test('a log cut off mid-record (a killed run): its completed calls, and how many it left open', () => {
  const cut = join(dir, 'cut.tcelog');
  copyFileSync(realLog, cut);
  truncateSync(cut, Math.floor(statSync(cut).size / 2) + 17);
  const r = exportLog(cut, join(dir, 'cut.json'));
  const t = readTrace(join(dir, 'cut.json'));
  const prefix = decodeLog(cut).events;
  assert.is(r.calls, prefix.filter((e) => e.type === 'hcall-completed').length);
  assert.is(r.calls + r.incomplete, prefix.filter((e) => e.type === 'hcall-entered').length);
  assert.ok(r.incomplete <= 2, 'at most one call open per vCPU');
  assert.is(spans(t, 'hcall').length, r.calls);
});

test('userspace mode: every call answered on the main thread, one track per vCPU it served', () => {
  const log = join(dir, 'userspace.tcelog');
  runInline(options({ mode: 'userspace', workload: 'nic', vcpus: 2, calls: 200, log }));
  exportLog(log, join(dir, 'userspace.json'));
  const t = readTrace(join(dir, 'userspace.json'));
  const tiers = spans(t, 'tier');
  assert.is(tiers.length, 400);
  assert.ok(tiers.every((s) => s.name === 'userspace' && s.pid === 2));
  assert.equal([...new Set(tiers.map((s) => s.tid))].sort(), [2000, 2001]);
  assert.equal(trackProblems(t), []);
});

test.run();
