/**
 * The experiment's arithmetic: the cost counts rebuild each run's modelled time, the ladder adds
 * up to the modelled time per call, the gain is a ratio of two throughputs of one processor, the
 * sensitivity moves the way the costs do, and misses are measured from the nearest bound.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectRunMemory } from './memory.js';
import { gainMachine } from '../../src/gain/machines.js';
import { missOf, PUBLISHED } from '../../src/gain/published.js';
import { clockUnder, runGain } from '../../src/gain/run-gain.js';
import { sensitivityOf } from '../../src/gain/sensitivity.js';
import { costsFor, power8Costs } from '../../src/pipeline/costs.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions } from '../../src/pipeline/run-options.js';

const costs = { power8: costsFor('power8'), power9: costsFor('power9') };
const run = runGain({ workload: 'nic', params: {}, vcpus: 1, calls: 1500, seed: 3, costs });

test('each machine runs its own mode and cost table; counts rebuild a direct run of it', () => {
  for (const m of run.machines) {
    const direct = runInline({ ...defaultRunOptions(), mode: m.machine.mode, workload: 'nic', vcpus: 1, calls: 1500, seed: 3, costs: m.costs });
    assert.is(clockUnder(m.vcpus[0]!, m.costs), direct.vcpus[0]!.clockNs, m.machine.id);
    assert.ok(Math.abs(m.nsPerCall * 1500 - direct.vcpus[0]!.hcallNs) < 1e-6 * direct.vcpus[0]!.hcallNs, m.machine.id);
    assert.equal(m.costs, costs[m.machine.cpu]);
  }
  assert.equal(run.machines.map((m) => m.machine.mode), ['realmode', 'userspace', 'virtmode', 'userspace']);
});

test('the ladder: what each call pays, by tier; a no-acceleration call pays the exit to QEMU and its dispatch every time', () => {
  const none = run.machines.find((m) => m.machine.id === 'power8-none')!;
  const c = power8Costs();
  const step = (k: string): number => none.ladder.find((s) => s.cost === k)!.nsPerCall;
  assert.is(step('virtmodeEntry'), c.virtmodeEntry);
  assert.is(step('userspaceEntry'), c.userspaceEntry);
  assert.is(step('qemuDispatch'), c.qemuDispatch);
  assert.is(step('realmodeEntry'), 0);
  const kvm = run.machines.find((m) => m.machine.id === 'power8-kvm')!;
  assert.ok(kvm.ladder.find((s) => s.cost === 'realmodeEntry')!.nsPerCall > 0.99 * c.realmodeEntry, 'nearly every call is answered in real mode');
  assert.is(kvm.ladder.find((s) => s.cost === 'qemuDispatch')!.nsPerCall, 0);
});

test('gain: the accelerated machine over the same processor without acceleration', () => {
  for (const m of run.machines) {
    if (m.machine.baseline === null) {
      assert.is(m.gain, null);
      continue;
    }
    const base = run.machines.find((x) => x.machine.id === m.machine.baseline)!;
    assert.is(base.machine.cpu, m.machine.cpu);
    assert.is(m.gain, m.bytesPerSec / base.bytesPerSec);
    assert.ok(m.gain! > 1, `${m.machine.id} gains`);
  }
});

test('sensitivity: a cost a machine never pays changes nothing; a dearer exit to the kernel helps the accelerated POWER8 more', () => {
  const rows = sensitivityOf(run);
  const hw = rows.find((r) => r.cost === 'hwEntry' && r.machine === 'power8-kvm')!;
  assert.is(hw.gainHalved, hw.gain);
  assert.is(hw.gainDoubled, hw.gain);
  const exit = rows.find((r) => r.cost === 'virtmodeEntry' && r.machine === 'power8-kvm')!;
  assert.ok(exit.gainDoubled > exit.gain && exit.gain > exit.gainHalved);
  const dispatch = rows.find((r) => r.cost === 'qemuDispatch' && r.machine === 'power9-kvm')!;
  assert.ok(dispatch.gainDoubled > dispatch.gain);
});

test('misses: zero inside the published range, else relative to the nearest bound', () => {
  assert.is(missOf(900, 750, 1020), 0);
  assert.is(missOf(1224, 750, 1020), 0.2);
  assert.is(missOf(600, 750, 1020), -0.2);
  assert.is(missOf(5000, 800, null), 0);
  assert.is(missOf(400, 800, null), -0.5);
  assert.equal(PUBLISHED.map((p) => gainMachine(p.machine).id), ['power8-none', 'power8-kvm', 'power8-kvm', 'power9-kvm']);
});

test.after.each(collectRunMemory);

test.run();
