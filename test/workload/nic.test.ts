/**
 * The `nic` workload: its defaults still make exactly the traffic they always made, and its parameters (buffer size, map and unmap method, ring size) make the
 * hcall mix they say, well-formed in every mode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInline } from '../../src/pipeline/inline-run.js';
import { defaultRunOptions } from '../../src/pipeline/run-options.js';
import { nicWorkload } from '../../src/workload/nic.js';
import { parseWorkloadArg } from '../../src/workload/registry.js';
import { callsOf, MODES, runInEveryMode, runWorkload, tablesOf, throwsNaming } from './support.js';

/**
 * The default traffic recorded when nic first took parameters (2 vCPUs x 3000 calls, seed 1):
 * the paths and tables pin the traffic, not any modelled time.
 */
const PINNED = {
  realmode: { escalations: { 'page-not-allocated': 2 }, answeredBy: { realmode: 5998, virtmode: 2, userspace: 0 } },
  virtmode: { escalations: {}, answeredBy: { realmode: 0, virtmode: 6000, userspace: 0 } },
  userspace: { escalations: {}, answeredBy: { realmode: 0, virtmode: 0, userspace: 6000 } },
} as const;

test('defaults are unchanged: the pinned paths and tables in every mode; with no guest time the clock is the calls\' cost', () => {
  for (const mode of MODES) {
    const r = runWorkload('nic', {}, { calls: 3000, vcpus: 2, seed: 1, mode });
    const pin = PINNED[mode];
    for (const v of r.result.vcpus) {
      assert.is(v.calls, 3000);
      assert.is(v.mappedBytes, 6668288, `${mode} vCPU ${v.vcpu}`);
      assert.ok(v.hcallNs > 0);
      assert.is(v.clockNs, v.hcallNs, 'guest time is 0 unless guest=NS is given');
    }
    assert.equal(r.figures.escalations, pin.escalations, mode);
    assert.equal(r.figures.answeredBy, pin.answeredBy, mode);
    assert.equal(r.hcalls, { H_PUT_TCE: 6000 }, mode);
    const t0 = r.tables.get(0x80000000)!;
    const t1 = r.tables.get(0x80000001)!;
    assert.is(t0.size, 256);
    assert.is(t1.size, 256);
    assert.equal([t0.get(0), t0.get(1), t0.get(2), t0.get(255)], [0x1296f001n, 0x761c001n, 0x39f1c001n, 0x3a9f7001n], mode);
    assert.equal([t1.get(0), t1.get(1), t1.get(2), t1.get(255)], [0x9408001n, 0x248d0001n, 0x738d001n, 0x33706001n], mode);
    assert.is([...t0.values()].reduce((x, v) => x ^ v, 0n), 0x494c000n, mode);
    assert.is([...t1.values()].reduce((x, v) => x ^ v, 0n), 0x17025000n, mode);
  }
});

test('guest=NS adds the guest\'s time once per buffer mapped, whatever its pages; link and mtu leave the calls alone', () => {
  const calls = 600;
  const base = runWorkload('nic', { buffer: '64K', map: 'indirect' }, { calls, vcpus: 1, mode: 'virtmode' });
  const slow = runWorkload('nic', { buffer: '64K', map: 'indirect', guest: '5000' }, { calls, vcpus: 1, mode: 'virtmode' });
  const wire = runWorkload('nic', { buffer: '64K', map: 'indirect', link: '1000', mtu: '9000' }, { calls, vcpus: 1, mode: 'virtmode' });
  const b = base.result.vcpus[0]!;
  const maps = b.mappedBytes / 65536;
  assert.ok(maps > 256);
  assert.is(slow.result.vcpus[0]!.clockNs - b.clockNs, maps * 5000);
  assert.is(slow.result.vcpus[0]!.hcallNs, b.hcallNs);
  assert.equal(wire.result.vcpus, base.result.vcpus);
  assert.equal(tablesOf(wire), tablesOf(base));
});

test('default calls: map a page with read permission into the next slot, unmap it when the ring comes round', () => {
  const r = runWorkload('nic', {}, { calls: 600, vcpus: 1, mode: 'virtmode' });
  const c = callsOf(r, 0);
  for (let i = 0; i < 256; i++) {
    assert.is(c[i]!.ioba, BigInt(i * 4096));
    assert.is(c[i]!.arg & 3n, 1n, 'read permission: the device reads the packet');
  }
  // Then slot 0 is unmapped and mapped again, then slot 1, ...
  assert.equal([c[256]!.ioba, c[256]!.arg, c[257]!.ioba, c[258]!.ioba, c[258]!.arg], [0n, 0n, 0n, 4096n, 0n]);
  assert.ok(c[257]!.arg !== 0n);
});

test('multi-page buffers with map=indirect, unmap=stuff: one INDIRECT per buffer, one STUFF per completion; every mode agrees', () => {
  const calls = 1000;
  const runs = runInEveryMode('nic', { buffer: '64K', map: 'indirect', unmap: 'stuff' }, { calls, vcpus: 2, seed: 5 });
  // 256 maps fill the ring, then completions and maps alternate.
  const maps = 256 + Math.ceil((calls - 256) / 2);
  const clears = calls - maps;
  assert.equal(runs[0]!.hcalls, { H_PUT_TCE_INDIRECT: 2 * maps, H_STUFF_TCE: 2 * clears });
  for (const v of runs[0]!.result.vcpus) assert.is(v.mappedBytes, maps * 65536);
  const c = callsOf(runs[1]!, 1);
  assert.equal([c[0]!.hcall, c[0]!.npages, c[1]!.ioba], ['H_PUT_TCE_INDIRECT', 16n, 16n * 4096n]);
  assert.equal([c[256]!.hcall, c[256]!.ioba, c[256]!.npages, c[256]!.arg], ['H_STUFF_TCE', 0n, 16n, 0n]);
  // The final tables hold whole buffers: each mapped slot has its 16 consecutive guest pages.
  for (const t of runs[0]!.tables.values()) {
    assert.is(t.size % 16, 0);
    for (const [index, tce] of t) {
      if (index % 16 === 0) continue;
      assert.is(tce, t.get(index - 1)! + 4096n, `entry ${index} continues its buffer`);
    }
  }
});

test('multi-page buffers with map=put, unmap=put: one H_PUT_TCE per page both ways', () => {
  const r = runWorkload('nic', { buffer: '8192', map: 'put', unmap: 'put', ring: '4' }, { calls: 24, vcpus: 1, mode: 'virtmode' });
  assert.equal(r.hcalls, { H_PUT_TCE: 24 });
  const c = callsOf(r, 0);
  // 4 slots x 2 pages mapped, then slot 0's two pages unmapped and mapped again, ...
  assert.equal(c.slice(0, 8).map((e) => e.ioba), [0n, 4096n, 8192n, 12288n, 16384n, 20480n, 24576n, 28672n]);
  assert.equal(c.slice(8, 12).map((e) => [e.ioba, e.arg === 0n]), [[0n, true], [4096n, true], [0n, false], [4096n, false]]);
  assert.is(c[9]!.arg, 0n);
  assert.is(c[11]!.arg, c[10]!.arg + 4096n, 'a buffer is physically contiguous');
});

test('a single-page buffer is mapped with H_PUT_TCE even with map=indirect (Linux does), freed by STUFF with unmap=stuff', () => {
  const r = runWorkload('nic', { buffer: '1500', map: 'indirect', unmap: 'stuff', ring: '512' }, { calls: 1000, vcpus: 2 });
  const maps = 512 + Math.ceil((1000 - 512) / 2);
  assert.equal(r.hcalls, { H_PUT_TCE: 2 * maps, H_STUFF_TCE: 2 * (1000 - maps) });
  assert.equal(r.rets, { H_SUCCESS: 2000 });
  assert.is(r.tables.get(0x80000000)!.size, 512 - ((1000 - 512) % 2), 'a 512-slot ring: every slot mapped but the one just freed');
});

test('same seed, same traffic; another seed, other buffers', () => {
  const p = { buffer: '16K', map: 'indirect', unmap: 'stuff' };
  const a = runWorkload('nic', p, { calls: 800, seed: 11 });
  const b = runWorkload('nic', p, { calls: 800, seed: 11 });
  const c = runWorkload('nic', p, { calls: 800, seed: 12 });
  assert.equal(b.result.vcpus, a.result.vcpus);
  assert.equal(tablesOf(b), tablesOf(a));
  assert.equal(b.entered.map((e) => e.arg), a.entered.map((e) => e.arg));
  assert.not.equal(tablesOf(c), tablesOf(a));
});

test('bad parameters are refused with a RangeError naming the parameter and the value', () => {
  throwsNaming(() => nicWorkload.tables(1, { buffer: '0' }), 'buffer', '"0"');
  throwsNaming(() => nicWorkload.tables(1, { buffer: '3M' }), 'buffer', '"3M"');
  throwsNaming(() => nicWorkload.tables(1, { buffer: '64 K' }), 'buffer', '"64 K"');
  throwsNaming(() => nicWorkload.tables(1, { map: 'stuff' }), 'map', '"stuff"', 'put, indirect');
  throwsNaming(() => nicWorkload.tables(1, { unmap: 'indirect' }), 'unmap', '"indirect"', 'put, stuff');
  throwsNaming(() => nicWorkload.tables(1, { ring: '0' }), 'ring', '"0"');
  throwsNaming(() => nicWorkload.tables(1, { ring: '-3' }), 'ring', '"-3"');
  throwsNaming(() => nicWorkload.tables(1, { ring: '20000', buffer: '64K' }), 'ring', '"20000"', '320000');
  throwsNaming(() => nicWorkload.tables(1, { link: '0' }), 'link', '"0"');
  throwsNaming(() => nicWorkload.tables(1, { link: '10G' }), 'link', '"10G"');
  throwsNaming(() => nicWorkload.tables(1, { mtu: '100' }), 'mtu', '"100"', '576');
  throwsNaming(() => nicWorkload.tables(1, { guest: '-1' }), 'guest', '"-1"');
  // The run refuses them before any vCPU starts.
  throwsNaming(() => runInline({ ...defaultRunOptions(), workload: 'nic', workloadParams: { map: 'both' }, calls: 10 }), 'map', '"both"');
  // Names are checked when the argument is parsed; values later.
  assert.equal(parseWorkloadArg('nic:buffer=64K,map=indirect,unmap=stuff,ring=128').params, { buffer: '64K', map: 'indirect', unmap: 'stuff', ring: '128' });
  throwsNaming(() => parseWorkloadArg('nic:size=4096'), 'size', 'buffer');
});

test.run();
