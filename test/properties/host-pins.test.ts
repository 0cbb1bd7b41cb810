/**
 * Property (seeded): after any sequence of VFIO ioctls, KVM links and guest hcalls on v1 and v2
 * containers, releasing every container gives every pin back exactly once and locked memory
 * returns to zero; throughout, no ioctl throws and pins never go negative.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { UA_BASE } from '../../src/host/hw-tables.js';
import { vfioIommuDisable, vfioIommuEnable } from '../../src/host/vfio/enable.js';
import { vfioGroupSetContainer, vfioGroupUnsetContainer } from '../../src/host/vfio/group.js';
import { vfioIommuMapDma } from '../../src/host/vfio/map-dma.js';
import { vfioIommuSpaprRegisterMemory, vfioIommuSpaprUnregisterMemory } from '../../src/host/vfio/register-memory.js';
import { vfioContainerRelease } from '../../src/host/vfio/release.js';
import { vfioOpenContainer, vfioSetIommu } from '../../src/host/vfio/set-iommu.js';
import { vfioIommuSpaprTceCreate } from '../../src/host/vfio/tce-create.js';
import { vfioIommuSpaprTceRemove } from '../../src/host/vfio/tce-remove.js';
import { vfioIommuUnmapDma } from '../../src/host/vfio/unmap-dma.js';
import { KvmVfioDevice } from '../../src/host/kvm-vfio.js';
import type { VfioContainer } from '../../src/host/vfio/container.js';
import { hostMachine } from '../host/rigs.js';
import { kvmTceTableLockedBytes } from '../../src/userspace/kvm-tce-create.js';
import { put, stuff } from '../machines.js';

type Op =
  | { op: 'attach' | 'detach'; c: number; g: number }
  | { op: 'set'; c: number; v2: boolean }
  | { op: 'enable' | 'disable' | 'release' | 'removeDefault'; c: number }
  | { op: 'register' | 'unregister'; c: number; at: number; pages: number }
  | { op: 'map'; c: number; iova: number; gpa: number; pages: number; write: boolean }
  | { op: 'unmap'; c: number; iova: number; pages: number }
  | { op: 'create'; c: number; shift: number }
  | { op: 'kvm'; g: number }
  | { op: 'put'; index: number; gpa: number }
  | { op: 'stuff'; index: number; n: number };

const c = fc.integer({ min: 0, max: 1 });
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('attach' as const, 'detach' as const), c, g: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('set' as const), c, v2: fc.boolean() }),
  fc.record({ op: fc.constantFrom('enable' as const, 'disable' as const, 'release' as const, 'removeDefault' as const), c }),
  fc.record({ op: fc.constantFrom('register' as const, 'unregister' as const), c, at: fc.integer({ min: 0, max: 3 }), pages: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('map' as const), c, iova: fc.integer({ min: 0, max: 40 }), gpa: fc.integer({ min: 0, max: 70 }), pages: fc.integer({ min: 1, max: 6 }), write: fc.boolean() }),
  fc.record({ op: fc.constant('unmap' as const), c, iova: fc.integer({ min: 0, max: 40 }), pages: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('create' as const), c, shift: fc.constantFrom(12, 16) }),
  fc.record({ op: fc.constant('kvm' as const), g: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('put' as const), index: fc.integer({ min: 0, max: 40 }), gpa: fc.integer({ min: 0, max: 70 }) }),
  fc.record({ op: fc.constant('stuff' as const), index: fc.integer({ min: 0, max: 40 }), n: fc.integer({ min: 1, max: 8 }) }),
);

const UA = BigInt(UA_BASE);
/** How often the interesting paths ran, so the property cannot pass by never reaching them. */
const seen = { v1Maps: 0, v2Maps: 0, kvmHwWrites: 0, maxPins: 0 };

/** A working start for each container (so maps and links really happen), then anything. */
const arbSetup = fc.record({ aV2: fc.boolean(), pages: fc.integer({ min: 1, max: 4 }) }).map(({ aV2, pages }): Op[] => [
  { op: 'attach', c: 0, g: aV2 ? 1 : 3 },
  { op: 'set', c: 0, v2: aV2 },
  aV2 ? { op: 'register', c: 0, at: 0, pages } : { op: 'enable', c: 0 },
  { op: 'attach', c: 1, g: 2 },
  { op: 'set', c: 1, v2: true },
  { op: 'register', c: 1, at: 0, pages: 4 },
]);

function run(ops: Op[]): void {
  // Groups 1, 2 DDW; group 3 legacy. Small 32-bit windows keep the tables small.
  const m = hostMachine('realmode', [{ tce32Size: 0x100000n }, { tce32Size: 0x100000n }, { ops: 'legacy', tce32Size: 0x100000n }], { ramBackingShift: 16 });
  const h = m.host!;
  // The machine's kernel table (QEMU's KVM_CREATE_SPAPR_TCE_64 at start) stays charged throughout.
  const kvmTables = h.memory.lockedBytes;
  assert.is(kvmTables, kvmTceTableLockedBytes(262144, 16));
  const kvm = new KvmVfioDevice(h);
  const cs: VfioContainer[] = [vfioOpenContainer(h, 'a'), vfioOpenContainer(h, 'b')];
  for (const o of ops) {
    switch (o.op) {
      case 'attach': vfioGroupSetContainer(cs[o.c]!, o.g); break;
      case 'detach': vfioGroupUnsetContainer(cs[o.c]!, o.g); break;
      case 'set': vfioSetIommu(cs[o.c]!, o.v2 ? 'v2' : 'v1'); break;
      case 'enable': vfioIommuEnable(cs[o.c]!); break;
      case 'disable': vfioIommuDisable(cs[o.c]!); break;
      case 'removeDefault': vfioIommuSpaprTceRemove(cs[o.c]!, 0n); break;
      case 'release':
        vfioContainerRelease(cs[o.c]!);
        cs[o.c] = vfioOpenContainer(h, o.c === 0 ? 'a' : 'b');
        break;
      case 'register': vfioIommuSpaprRegisterMemory(cs[o.c]!, { vaddr: UA + BigInt(o.at * 0x10000), size: BigInt(o.pages * 0x10000) }); break;
      case 'unregister': vfioIommuSpaprUnregisterMemory(cs[o.c]!, { vaddr: UA + BigInt(o.at * 0x10000), size: BigInt(o.pages * 0x10000) }); break;
      case 'map': vfioIommuMapDma(cs[o.c]!, { vaddr: UA + BigInt(o.gpa * 0x1000), iova: BigInt(o.iova * 0x1000), size: BigInt(o.pages * 0x1000), read: true, write: o.write }); break;
      case 'unmap': vfioIommuUnmapDma(cs[o.c]!, { iova: BigInt(o.iova * 0x1000), size: BigInt(o.pages * 0x1000) }); break;
      case 'create': vfioIommuSpaprTceCreate(cs[o.c]!, { pageShift: o.shift, windowSize: 0x100000n, levels: 1 }); break;
      case 'kvm':
        kvm.kvmVfioGroupAdd(o.g);
        kvm.kvmVfioGroupSetSpaprTce(o.g, 0x80000000);
        break;
      case 'put': put(m, BigInt(o.index * 0x1000), BigInt(o.gpa * 0x1000) | 3n); break;
      case 'stuff': stuff(m, BigInt(o.index * 0x1000), 0n, BigInt(o.n)); break;
    }
    assert.ok(h.memory.pinnedPages >= 0 && h.memory.lockedBytes >= 0);
    seen.maxPins = Math.max(seen.maxPins, h.memory.pinnedPages);
  }
  seen.kvmHwWrites += m.tables.statHwWrites;
  seen.v1Maps += h.ioctls.get('MAP_DMA OK') !== undefined && ops.some((o) => o.op === 'set' && !o.v2) ? 1 : 0;
  seen.v2Maps += h.ioctls.get('MAP_DMA OK') !== undefined && ops.some((o) => o.op === 'set' && o.v2) ? 1 : 0;
  // Tear down as QEMU's exit does: the KVM device goes (links dropped), then every container.
  for (let g = 1; g <= 3; g++) kvm.kvmVfioGroupDel(g);
  for (const x of cs) vfioContainerRelease(x);
  assert.is(h.memory.pinnedPages, 0, 'pins');
  assert.is(h.memory.pinsTaken, h.memory.pinsReleased);
  assert.is(h.memory.lockedBytes, kvmTables, 'locked bytes: only the kernel table\'s');
  assert.is(h.prereg.count, 0, 'regions');
}

test('pins and locked bytes return to zero after random ioctl, link and hcall sequences (seeded)', () => {
  fc.assert(fc.property(arbSetup, fc.array(arbOp, { maxLength: 40 }), (setup, ops) => run([...setup, ...ops])), { seed: 0x7f10c0de, numRuns: 150, includeErrorInReport: true });
  assert.ok(seen.v1Maps > 5 && seen.v2Maps > 5 && seen.kvmHwWrites > 0 && seen.maxPins > 4, JSON.stringify(seen));
});

test.run();
