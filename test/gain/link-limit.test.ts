/**
 * Modelled MB/s never exceeds the configured link: for random loads of the throughput rule, and
 * for seeded random workloads (nic with random buffers, links, MTUs, map and unmap methods and
 * guest times; the other workloads on the default wire) through every machine and so every mode.
 */
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectRunMemory } from './memory.js';
import { costsFor } from '../../src/pipeline/costs.js';
import { runGain } from '../../src/gain/run-gain.js';
import { checksOf } from '../../src/gain/published.js';
import { throughputOf } from '../../src/gain/throughput.js';
import { wireBytesPerSec } from '../../src/workload/nic-wire.js';

const costs = { power8: costsFor('power8'), power9: costsFor('power9') };

test('the throughput rule: never above the wire nor the hypercall path, and equal to the lesser', () => {
  fc.assert(fc.property(
    fc.array(fc.record({ clockNs: fc.double({ min: 0, max: 1e12, noNaN: true }), payloadBytes: fc.double({ min: 0, max: 1e12, noNaN: true }) }), { minLength: 1, maxLength: 8 }),
    fc.double({ min: 1, max: 1e12, noNaN: true }),
    (loads, wire) => {
      const t = throughputOf(loads, wire);
      assert.ok(t.bytesPerSec <= wire);
      assert.ok(t.bytesPerSec <= t.pathBytesPerSec);
      assert.is(t.bytesPerSec, Math.min(wire, t.pathBytesPerSec));
      assert.is(t.limitedBy, t.pathBytesPerSec > wire ? 'wire' : 'hypercalls');
    },
  ), { seed: 0x11c0_0001, numRuns: 300, includeErrorInReport: true });
});

const arbNic = fc.record({
  buffer: fc.integer({ min: 1, max: 128 * 1024 }),
  link: fc.constantFrom(100, 1000, 2500, 10_000, 25_000, 100_000),
  mtu: fc.integer({ min: 576, max: 9216 }),
  map: fc.constantFrom('put', 'indirect'),
  unmap: fc.constantFrom('put', 'stuff'),
  guest: fc.constantFrom(0, 0, 500, 20_000),
  ring: fc.integer({ min: 1, max: 64 }),
});

test('nic: every machine stays at or below its link, for seeded random parameters', () => {
  fc.assert(fc.property(arbNic, fc.integer({ min: 1, max: 3 }), fc.nat(1000), (p, vcpus, seed) => {
    const params = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
    const run = runGain({ workload: 'nic', params, vcpus, calls: 120, seed, costs });
    const linkBytes = p.link * 1e6 / 8;
    for (const m of run.machines) {
      assert.ok(m.bytesPerSec <= linkBytes, `${m.machine.id}: ${m.bytesPerSec} B/s on a ${p.link} Mbit/s link`);
      assert.ok(m.bytesPerSec <= wireBytesPerSec(run.wire, run.bufferBytes) + 1e-6);
      assert.ok(m.bytesPerSec > 0);
    }
    for (const c of checksOf(run)) {
      if (c.figure.quantity === 'Mbit/s') assert.ok(c.predicted <= c.figure.linkMbps, c.figure.id);
      if (c.figure.quantity === 'MB/s') assert.ok(c.predicted <= c.figure.linkMbps / 8, c.figure.id);
    }
    collectRunMemory();
  }), { seed: 0x11c0_0002, numRuns: 12, includeErrorInReport: true });
});

test('other workloads: every machine stays at or below the default 10 GbE wire', () => {
  fc.assert(fc.property(fc.constantFrom('storage', 'boot', 'ddw', 'mixed', 'contention'), fc.nat(1000), (workload, seed) => {
    const run = runGain({ workload, params: {}, vcpus: 2, calls: 150, seed, costs });
    for (const m of run.machines) assert.ok(m.bytesPerSec <= 10_000e6 / 8, `${workload} on ${m.machine.id}: ${m.bytesPerSec}`);
    collectRunMemory();
  }), { seed: 0x11c0_0003, numRuns: 8, includeErrorInReport: true });
});

test.after.each(collectRunMemory);

test.run();
