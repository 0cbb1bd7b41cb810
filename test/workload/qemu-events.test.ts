import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { EventDecoder } from '../../src/events/decode.js';
import type { TcesimEvent } from '../../src/events/events.js';
import { RECORD_WORDS } from '../../src/events/layout.js';
import { TIER_USERSPACE } from '../../src/papr/tiers.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions, type QemuEventLog, type RunOptions } from '../../src/pipeline/run-options.js';
import { parseQemuEvent, qemuEventsOf } from '../../src/workload/qemu-events.js';

function run(events: string, over: Partial<RunOptions> = {}): { r: ReturnType<typeof runInline>; log: QemuEventLog } {
  const log: QemuEventLog = { moves: [] };
  const r = runInline({
    ...defaultRunOptions(), mode: 'realmode', vcpus: 1, workload: 'nic', workloadParams: { 'qemu-events': events }, calls: 400,
    ringRecords: 2 ** 14, keepRecords: true, qemuEventLog: log, ...over,
  });
  return { r, log };
}

function decoded(r: ReturnType<typeof runInline>): TcesimEvent[] {
  const d = new EventDecoder();
  const out: TcesimEvent[] = [];
  for (let i = 0; i < r.recordCount; i++) d.decode(r.records as Int32Array, i * RECORD_WORDS, out);
  return out;
}

test('a machine event is CALL:OP:PHB[:GROUP]; bad ones are named', () => {
  assert.equal(parseQemuEvent('10:hotplug-vfio:0:3'), { atCall: 10, op: 'hotplug-vfio', phb: 0, group: 3 });
  assert.equal(parseQemuEvent('7:reset:2'), { atCall: 7, op: 'reset', phb: 2, group: 0 });
  assert.throws(() => parseQemuEvent('7:reboot:0'), /"reboot" is not one of hotplug-vfio, unplug-vfio, reset/);
  assert.throws(() => parseQemuEvent('7:unplug-vfio:0'), /needs the device's IOMMU group/);
  assert.throws(() => parseQemuEvent('x:reset:0'), /CALL "x" must be a whole number/);
  assert.throws(() => qemuEventsOf({ 'qemu-events': '3:reset:0+3:reset:0' }), /two qemu events at call 3/);
});

test('seed 004 in a run: the hotplug moves the PHB\'s kernel table to QEMU, replays each live mapping (logged), and QEMU answers from then on', () => {
  const { r, log } = run('200:hotplug-vfio:0:1');
  assert.is(log.moves.length, 1);
  const move = log.moves[0]!;
  assert.is(move.liobn, 0x80000000);
  assert.ok(move.replayed > 0);
  const events = decoded(r);
  const replayed = events.filter((e) => e.type === 'mapping-replayed');
  assert.is(replayed.length, move.replayed);
  assert.ok(replayed.every((e) => (e.value & 3n) !== 0n), 'only live mappings are replayed');
  assert.equal(events.filter((e) => e.type === 'table-moved'), [{ type: 'table-moved', liobn: 0x80000000, replayed: move.replayed }]);
  // Every call after the event is answered by QEMU: the kernel no longer has the table.
  const after = events.filter((e) => e.type === 'hcall-completed' && e.seq > 200);
  assert.is(after.length, 199);
  assert.ok(after.every((e) => e.type === 'hcall-completed' && e.tier === 'userspace'));
  assert.ok(r.stats.tierCalls[TIER_USERSPACE]! >= 200);
  assert.ok(replayVerified(replayRecords(r.records as Int32Array, r.recordCount)));
});

test('a second device moves nothing; unplugging moves nothing back; a reset after the last unplug gives KVM a new table', () => {
  const { r, log } = run('100:hotplug-vfio:0:1+150:hotplug-vfio:0:2+200:unplug-vfio:0:1+250:unplug-vfio:0:2+300:reset:0');
  assert.is(log.moves.length, 1, 'only the first device moves tables');
  const events = decoded(r);
  const unplugged = events.filter((e) => e.type === 'hcall-completed' && e.seq > 250 && e.seq < 300);
  assert.ok(unplugged.length > 0 && unplugged.every((e) => e.type === 'hcall-completed' && e.tier === 'userspace'), 'unplugging moves nothing back');
  // The reset enables a new default window; with no VFIO device left QEMU asks KVM for it again.
  const last = events.filter((e) => e.type === 'hcall-completed' && e.seq > 300);
  assert.ok(last.length > 0 && last.every((e) => e.type === 'hcall-completed' && e.tier !== 'userspace'));
  assert.ok(replayVerified(replayRecords(r.records as Int32Array, r.recordCount)));
});

test.run();
