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
import { machineFromFlags } from '../../src/pipeline/machine-file.js';

const HOST_COSTS = ['vfioIoctl', 'pinPage', 'preregLookup'] as const;

const costs = { power8: costsFor('power8'), power9: costsFor('power9') };
const run = runGain({ workload: 'nic', params: {}, vcpus: 1, calls: 1500, seed: 3, costs });

test('each machine runs its own mode and cost table; counts rebuild a direct run of it', () => {
  for (const m of run.machines) {
    const machine = m.machine.device === 'emulated' ? null : machineFromFlags({ vfio: m.machine.device === 'vfio-v1' ? 'v1' : 'v2' }, null);
    const direct = runInline({ ...defaultRunOptions(), mode: m.machine.mode, workload: 'nic', vcpus: 1, calls: 1500, seed: 3, costs: m.costs, machine });
    const hostNs = HOST_COSTS.reduce((n, k) => n + m.vcpus[0]!.counts[k] * m.costs[k], 0);
    assert.is(clockUnder(m.vcpus[0]!, m.costs), direct.vcpus[0]!.clockNs + hostNs, m.machine.id);
    assert.ok(Math.abs(m.nsPerCall * 1500 - direct.vcpus[0]!.hcallNs - hostNs) < 1e-6 * direct.vcpus[0]!.hcallNs, m.machine.id);
    assert.is(hostNs > 0, m.machine.device !== 'emulated', `${m.machine.id}: host work priced only for passed-through devices`);
    assert.equal(m.costs, costs[m.machine.cpu]);
  }
  for (const device of ['emulated', 'vfio-v1', 'vfio-v2']) {
    assert.equal(run.machines.filter((m) => m.machine.device === device).map((m) => m.machine.mode), ['realmode', 'userspace', 'virtmode', 'userspace'], device);
  }
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

test('passed-through devices: QEMU makes one ioctl per call and a v1 container pins or unpins a page per call; KVM maps a v2 device itself', () => {
  const per = (id: string, k: 'vfioIoctl' | 'pinPage' | 'preregLookup' | 'hwEntry'): number => {
    const m = run.machines.find((x) => x.machine.id === id)!;
    return m.vcpus[0]!.counts[k] / m.calls;
  };
  for (const id of ['power8-none-vfio-v1', 'power8-kvm-vfio-v1', 'power9-kvm-vfio-v1']) {
    assert.is(per(id, 'vfioIoctl'), 1, id);
    assert.is(per(id, 'pinPage'), 1, id);
    assert.is(per(id, 'hwEntry'), 1, id);
  }
  assert.is(per('power8-none-vfio-v2', 'vfioIoctl'), 1);
  assert.is(per('power8-none-vfio-v2', 'pinPage'), 0, 'v2: RAM was pinned once, at preregistration');
  for (const id of ['power8-kvm-vfio-v2', 'power9-kvm-vfio-v2']) {
    assert.is(per(id, 'vfioIoctl'), 0, id);
    assert.ok(per(id, 'preregLookup') >= 1 && per(id, 'preregLookup') === per(id, 'hwEntry'), id);
  }
  // KVM cannot map a v1 device (no preregistered memory): it tries, gives up, and is slower than QEMU alone.
  for (const cpu of ['power8', 'power9']) assert.ok(run.machines.find((x) => x.machine.id === `${cpu}-kvm-vfio-v1`)!.gain! < 1, cpu);
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
    if (m.machine.device !== 'vfio-v1') assert.ok(m.gain! > 1, `${m.machine.id} gains`);
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
  assert.equal(PUBLISHED.map((p) => gainMachine(p.machine).device), ['vfio-v1', 'vfio-v2', 'vfio-v2', 'vfio-v2'], 'the published figures were measured on passed-through NICs');
});

test.after.each(collectRunMemory);

test.run();
