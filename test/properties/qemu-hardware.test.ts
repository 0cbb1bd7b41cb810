/**
 * Property (seeded): whatever mix of PUT, INDIRECT and STUFF QEMU answers on a LIOBN backed by
 * a passed-through device, the hardware table ends as the guest view says — each mapping entry
 * as host physical page | permission (QEMU maps write-only as read-write), nothing else — and
 * the pins held are exactly the live v1 entries.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Mode } from '../../src/papr/tiers.js';
import { expectedHw, hwEntries, vfioMachine, windowHw } from '../host/rigs.js';
import { indirect, put, stuff } from '../machines.js';

type Call = { k: 'put'; i: number; page: number; perm: number } | { k: 'ind'; i: number; pages: number[]; perm: number } | { k: 'stuff'; i: number; n: number };

const arbCall: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ k: fc.constant('put' as const), i: fc.integer({ min: 0, max: 63 }), page: fc.integer({ min: 0, max: 255 }), perm: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ k: fc.constant('ind' as const), i: fc.integer({ min: 0, max: 60 }), pages: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }), perm: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant('stuff' as const), i: fc.integer({ min: 0, max: 60 }), n: fc.integer({ min: 1, max: 4 }) }),
);

function check(mode: Mode, container: 'v1' | 'v2', calls: Call[]): void {
  const m = vfioMachine(mode, { container, inKernelMultiTce: false });
  for (const c of calls) {
    if (c.k === 'put') put(m, BigInt(c.i * 0x1000), c.perm === 0 ? 0n : BigInt(c.page * 0x1000 + c.perm));
    else if (c.k === 'ind') indirect(m, BigInt(c.i * 0x1000), 0x800000n, c.pages.map((p) => BigInt(p * 0x1000 + c.perm)));
    else stuff(m, BigInt(c.i * 0x1000), 0n, BigInt(c.n));
  }
  const hw = windowHw(m);
  const want = [...expectedHw(m, 0x80000000, hw)].map(([e, v]): [number, bigint] => [e, (v & 3n) === 2n ? v | 1n : v]);
  assert.equal([...hwEntries(m, hw)], want);
  if (container === 'v1') assert.is(m.host!.memory.pinnedPages, want.length);
}

for (const [mode, container] of [['userspace', 'v2'], ['realmode', 'v1']] as const) {
  test(`${mode}, ${container}: hardware follows every QEMU-answered call (seeded)`, () => {
    fc.assert(fc.property(fc.array(arbCall, { maxLength: 30 }), (calls) => check(mode, container, calls)), { seed: 0x9a2d, numRuns: 60, includeErrorInReport: true });
  });
}

test.run();
