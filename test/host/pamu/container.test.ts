import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HostMemory } from '../../../src/host/host-memory.js';
import { ProcessMemory } from '../../../src/host/pamu/process-memory.js';
import { PAMU_DEFAULT_APERTURE_END, vfioIommuGetAttr, vfioIommuSetAttr, type VfioPamuAttr } from '../../../src/host/pamu/vfio-attr.js';
import { vfioIommuMapDma, vfioIommuUnmapDma } from '../../../src/host/pamu/vfio-dma.js';
import { VfioPamuContainer } from '../../../src/host/pamu/vfio-pamu-container.js';
import { assertFails, assertOk } from './expect.js';

const MB = 1n << 20n;
const RW = 3;
const VA = 0x7f00_0000_0000n;

function geometry(start: bigint, end: bigint): { flags: number; attr: VfioPamuAttr } {
  return { flags: 0, attr: { attribute: 'VFIO_ATTR_GEOMETRY', apertureStart: start, apertureEnd: end } };
}
function windows(n: number): { flags: number; attr: VfioPamuAttr } {
  return { flags: 0, attr: { attribute: 'VFIO_ATTR_WINDOWS', windows: n } };
}

/**
 * 512 MB aperture at 0 in 8 windows of 64 MB; user memory at VA backed by four 64 MB huge
 * pages that are not physically adjacent (page i at 0x1_00000000 + 0x10000000 * i).
 */
function container(limit?: bigint): VfioPamuContainer {
  const memory = new ProcessMemory([0, 1, 2, 3].map((i) => ({ vaddr: VA + BigInt(i) * 64n * MB, paddr: 0x1_0000_0000n + BigInt(i) * 0x1000_0000n, size: 64n * MB })));
  const c = new VfioPamuContainer({ memory, host: new HostMemory(12, limit === undefined ? Infinity : Number(limit)) });
  assertOk(vfioIommuSetAttr(c, geometry(0n, 512n * MB - 1n)));
  assertOk(vfioIommuSetAttr(c, windows(8)));
  return c;
}

function mapped(c: VfioPamuContainer): [number[], bigint, bigint, boolean] {
  return [c.dmaWindows().map((w) => w.window), BigInt(c.host.lockedBytes), BigInt(c.host.pinnedPages), c.domain.enabled];
}

// ---- SET_ATTR / GET_ATTR ----

test('GET_ATTR on a new container: the default 64 GiB aperture and the hardware maximum of windows', () => {
  const c = new VfioPamuContainer();
  assert.equal(vfioIommuGetAttr(c, 'VFIO_ATTR_GEOMETRY'), { ok: true, value: { attribute: 'VFIO_ATTR_GEOMETRY', apertureStart: 0n, apertureEnd: PAMU_DEFAULT_APERTURE_END } });
  assert.equal(vfioIommuGetAttr(c, 'VFIO_ATTR_WINDOWS'), { ok: true, value: { attribute: 'VFIO_ATTR_WINDOWS', windows: 256 } });
});

test('SET_ATTR then GET_ATTR gives back the geometry (end inclusive) and the count', () => {
  const c = container();
  assert.equal(vfioIommuGetAttr(c, 'VFIO_ATTR_GEOMETRY'), { ok: true, value: { attribute: 'VFIO_ATTR_GEOMETRY', apertureStart: 0n, apertureEnd: 0x1fff_ffffn } });
  assert.equal(vfioIommuGetAttr(c, 'VFIO_ATTR_WINDOWS'), { ok: true, value: { attribute: 'VFIO_ATTR_WINDOWS', windows: 8 } });
});

test('GET_ATTR / SET_ATTR: an unknown attribute is EINVAL; SET_ATTR flags other than 0 are EINVAL', () => {
  const c = new VfioPamuContainer();
  assertFails(vfioIommuGetAttr(c, 'VFIO_ATTR_STASH'), 'EINVAL', 'VFIO_ATTR_STASH');
  const unknown = { attribute: 'VFIO_ATTR_STASH' } as unknown as VfioPamuAttr;
  assertFails(vfioIommuSetAttr(c, { flags: 0, attr: unknown }), 'EINVAL', 'VFIO_ATTR_STASH');
  assertFails(vfioIommuSetAttr(c, { flags: 4, attr: windows(8).attr }), 'EINVAL', '4');
});

test('SET_ATTR geometry: each rule with its errno, naming the value', () => {
  const c = new VfioPamuContainer();
  assertFails(vfioIommuSetAttr(c, geometry(0x1000n, 0xfffn)), 'EINVAL', '0xfff'); // end below start
  assertFails(vfioIommuSetAttr(c, geometry(0n, 0x2fff_ffffn)), 'EINVAL', '0x30000000'); // not a power of two
  assertFails(vfioIommuSetAttr(c, geometry(0n, 0x7ffn)), 'EINVAL', '0x800'); // below 4 KiB
  assertFails(vfioIommuSetAttr(c, geometry(0x1000_0000n, 0x2fff_ffffn)), 'EINVAL', '0x10000000'); // start not aligned
  assertFails(vfioIommuSetAttr(c, geometry(1n << 64n, (1n << 64n) + 0xfffn)), 'EINVAL', '0x10000000000000000'); // past 2^64
  assert.equal(vfioIommuGetAttr(c, 'VFIO_ATTR_GEOMETRY').ok && c.domain.geometry, undefined); // nothing was set
});

test('SET_ATTR windows: each rule with its errno, naming the value', () => {
  const c = new VfioPamuContainer({ maxWindows: 16 });
  assertFails(vfioIommuSetAttr(c, windows(8)), 'EINVAL', '8'); // before the geometry
  assertOk(vfioIommuSetAttr(c, geometry(0n, 0x1_ffffn))); // 128 KiB aperture
  assertFails(vfioIommuSetAttr(c, windows(6)), 'EINVAL', '6'); // not a power of two
  assertFails(vfioIommuSetAttr(c, windows(0)), 'EINVAL', '0');
  assertFails(vfioIommuSetAttr(c, windows(32)), 'EINVAL', '16'); // above the maximum
  assertFails(vfioIommuSetAttr(c, windows(64)), 'EINVAL', '16');
  const small = new VfioPamuContainer();
  assertOk(vfioIommuSetAttr(small, geometry(0n, 0x3fffn)));
  assertFails(vfioIommuSetAttr(small, windows(8)), 'EINVAL', '0x800'); // sub-windows below 4 KiB
  assertOk(vfioIommuSetAttr(c, windows(16)));
});

test('SET_ATTR geometry and windows while anything is mapped: EBUSY; after unmapping all: accepted', () => {
  const c = container();
  assertOk(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 64n * MB }));
  assertFails(vfioIommuSetAttr(c, geometry(0n, 1024n * MB - 1n)), 'EBUSY', 'enabled');
  assertFails(vfioIommuSetAttr(c, windows(4)), 'EBUSY', 'enabled');
  assert.equal(vfioIommuUnmapDma(c, { flags: 0, iova: 0n, size: 64n * MB }), { ok: true, value: 64n * MB });
  assertOk(vfioIommuSetAttr(c, windows(4)));
  assertOk(vfioIommuSetAttr(c, geometry(0n, 1024n * MB - 1n)));
});

// ---- MAP_DMA ----

test('MAP_DMA: one call over four windows whose huge pages are not adjacent maps each window to its own page', () => {
  const c = container();
  assertOk(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 256n * MB }));
  assert.equal(c.domain.windows().slice(0, 4).map((w) => w.mapping?.paddr), [0x1_0000_0000n, 0x1_1000_0000n, 0x1_2000_0000n, 0x1_3000_0000n]);
  assert.is(c.domain.iovaToPhys(0x0512_3456n), 0x1_1112_3456n);
  assert.equal(mapped(c), [[0, 1, 2, 3], 256n * MB, 65536n, true]);
});

test('MAP_DMA: flags, size, vaddr and configuration errors, before anything is touched', () => {
  const unconfigured = new VfioPamuContainer();
  assertFails(vfioIommuMapDma(unconfigured, { flags: RW, vaddr: VA, iova: 0n, size: 64n * MB }), 'ENODEV', 'not configured');
  const c = container();
  assertFails(vfioIommuMapDma(c, { flags: 0, vaddr: VA, iova: 0n, size: 64n * MB }), 'EINVAL', 'neither');
  assertFails(vfioIommuMapDma(c, { flags: 8 | RW, vaddr: VA, iova: 0n, size: 64n * MB }), 'EINVAL', '11');
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 0n }), 'EINVAL', '0x0');
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA + 0x10n, iova: 0n, size: 64n * MB }), 'EINVAL', '0x7f0000000010');
  assert.equal(mapped(c), [[], 0n, 0n, false]);
});

test('MAP_DMA: iova not on a window boundary, part of a window, outside the aperture: EINVAL', () => {
  const c = container();
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0x0200_0000n, size: 64n * MB }), 'EINVAL', '0x2000000');
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 32n * MB }), 'EINVAL', 'not a whole window');
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0x2000_0000n, size: 64n * MB }), 'EINVAL', '0x20000000');
  assert.equal(mapped(c), [[], 0n, 0n, false]);
});

test('MAP_DMA: the read-only flag maps the windows read-only', () => {
  const c = container();
  assertOk(vfioIommuMapDma(c, { flags: 1, vaddr: VA, iova: 0n, size: 64n * MB }));
  assert.is(c.domain.windows()[0]?.mapping?.prot, 1);
});

// ---- rollback ----

test('rollback: a range whose last piece is not a whole window undoes the windows it enabled', () => {
  const c = container();
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 160n * MB }), 'EINVAL', '0x8000000'); // 2.5 windows
  assert.equal(mapped(c), [[], 0n, 0n, false]);
  assert.equal(c.domain.mappedCount, 0);
});

test('rollback: a window already valid (EBUSY) in the middle undoes only this call, earlier maps stand', () => {
  const c = container();
  assertOk(vfioIommuMapDma(c, { flags: RW, vaddr: VA + 128n * MB, iova: 128n * MB, size: 64n * MB })); // window 2
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 256n * MB }), 'EBUSY', '2');
  assert.equal(mapped(c), [[2], 64n * MB, 16384n, true]);
  assert.is(c.domain.iovaToPhys(0n), undefined);
});

test('rollback: user memory missing behind the third window (EFAULT) undoes the first two', () => {
  const memory = new ProcessMemory([{ vaddr: VA, paddr: 0x1_0000_0000n, size: 128n * MB }]);
  const c = new VfioPamuContainer({ memory });
  assertOk(vfioIommuSetAttr(c, geometry(0n, 512n * MB - 1n)));
  assertOk(vfioIommuSetAttr(c, windows(8)));
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 192n * MB }), 'EFAULT', '0x7f0008000000');
  assert.equal(mapped(c), [[], 0n, 0n, false]);
});

test('rollback: a window whose memory is not physically contiguous (EINVAL) undoes the others', () => {
  // Window 1's 64 MB is made of two 32 MB pieces that are not adjacent.
  const memory = new ProcessMemory([
    { vaddr: VA, paddr: 0x1_0000_0000n, size: 64n * MB },
    { vaddr: VA + 64n * MB, paddr: 0x2_0000_0000n, size: 32n * MB },
    { vaddr: VA + 96n * MB, paddr: 0x3_0000_0000n, size: 32n * MB },
  ]);
  const c = new VfioPamuContainer({ memory });
  assertOk(vfioIommuSetAttr(c, geometry(0n, 512n * MB - 1n)));
  assertOk(vfioIommuSetAttr(c, windows(8)));
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 128n * MB }), 'EINVAL', 'not physically contiguous');
  assert.equal(mapped(c), [[], 0n, 0n, false]);
});

test('rollback: physical memory not aligned to the window (EINVAL from the window rule) undoes the others', () => {
  const memory = new ProcessMemory([{ vaddr: VA, paddr: 0x1_0000_0000n, size: 64n * MB }, { vaddr: VA + 64n * MB, paddr: 0x1_0600_0000n, size: 64n * MB }]);
  const c = new VfioPamuContainer({ memory });
  assertOk(vfioIommuSetAttr(c, geometry(0n, 512n * MB - 1n)));
  assertOk(vfioIommuSetAttr(c, windows(8)));
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 128n * MB }), 'EINVAL', '0x106000000');
  assert.equal(mapped(c), [[], 0n, 0n, false]);
});

test('rollback: passing the locked-memory limit at the third window (ENOMEM) undoes the first two', () => {
  const c = container(160n * MB);
  assertFails(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 256n * MB }), 'ENOMEM', '167772160');
  assert.equal(mapped(c), [[], 0n, 0n, false]);
  assertOk(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 128n * MB })); // what fits, fits
  assert.equal(mapped(c), [[0, 1], 128n * MB, 32768n, true]);
});

// ---- UNMAP_DMA, locked memory, release ----

test('UNMAP_DMA: whole windows only, inside the aperture, flags 0; answers the bytes unmapped', () => {
  const c = container();
  assertOk(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 256n * MB }));
  assertFails(vfioIommuUnmapDma(c, { flags: 1, iova: 0n, size: 64n * MB }), 'EINVAL', '1');
  assertFails(vfioIommuUnmapDma(c, { flags: 0, iova: 0n, size: 4096n }), 'EINVAL', '0x1000');
  assertFails(vfioIommuUnmapDma(c, { flags: 0, iova: 0x100_0000n, size: 64n * MB }), 'EINVAL', '0x1000000');
  assertFails(vfioIommuUnmapDma(c, { flags: 0, iova: 448n * MB, size: 128n * MB }), 'EINVAL', '0x1c000000');
  assertFails(vfioIommuUnmapDma(new VfioPamuContainer(), { flags: 0, iova: 0n, size: 64n * MB }), 'ENODEV', 'not configured');
  assert.equal(vfioIommuUnmapDma(c, { flags: 0, iova: 64n * MB, size: 128n * MB }), { ok: true, value: 128n * MB });
  assert.equal(mapped(c), [[0, 3], 128n * MB, 32768n, true]);
  assert.equal(vfioIommuUnmapDma(c, { flags: 0, iova: 64n * MB, size: 128n * MB }), { ok: true, value: 0n }); // nothing left there
});

test('locked memory: charged per pinned page at MAP, back to zero after UNMAP; the domain turns off with the last window', () => {
  const c = container();
  assertOk(vfioIommuMapDma(c, { flags: RW, vaddr: VA, iova: 0n, size: 128n * MB }));
  assertOk(vfioIommuMapDma(c, { flags: RW, vaddr: VA + 192n * MB, iova: 192n * MB, size: 64n * MB }));
  assert.equal([c.host.pinnedPages, c.host.lockedBytes], [49152, 192 * 2 ** 20]);
  assert.equal(vfioIommuUnmapDma(c, { flags: 0, iova: 0n, size: 512n * MB }), { ok: true, value: 192n * MB });
  assert.equal(mapped(c), [[], 0n, 0n, false]);
});

test('release: unmaps every window and refunds every page; later ioctls are EBADF', () => {
  const host = new HostMemory(12, Infinity);
  const c = container();
  const d = new VfioPamuContainer({ memory: c.memory, host });
  assertOk(vfioIommuSetAttr(d, geometry(0n, 512n * MB - 1n)));
  assertOk(vfioIommuSetAttr(d, windows(8)));
  assertOk(vfioIommuMapDma(d, { flags: RW, vaddr: VA, iova: 0n, size: 256n * MB }));
  assert.equal([host.lockedBytes, host.pinnedPages, host.pinCount(0x1_0000_0000), host.pinCount(0x1_33ff_f000), host.pinCount(0x1_3400_0000)], [256 * 2 ** 20, 65536, 1, 1, 0]);
  d.release();
  assert.equal([host.lockedBytes, host.pinnedPages, host.pinsTaken, host.pinsReleased, d.domain.mappedCount, d.domain.enabled], [0, 0, 65536, 65536, 0, false]);
  assertFails(vfioIommuMapDma(d, { flags: RW, vaddr: VA, iova: 0n, size: 64n * MB }), 'EBADF', 'released');
  assertFails(vfioIommuGetAttr(d, 'VFIO_ATTR_WINDOWS'), 'EBADF', 'released');
  d.release(); // twice is harmless
  assert.is(host.lockedBytes, 0);
});

test('two containers of one process share its locked-memory limit (the host\'s account, as sPAPR TCE containers use)', () => {
  const host = new HostMemory(12, 128 * 2 ** 20);
  const memory = new ProcessMemory([{ vaddr: VA, paddr: 0x1_0000_0000n, size: 256n * MB }]);
  const [a, b] = [new VfioPamuContainer({ memory, host }), new VfioPamuContainer({ memory, host })];
  for (const c of [a, b]) {
    assertOk(vfioIommuSetAttr(c, geometry(0n, 512n * MB - 1n)));
    assertOk(vfioIommuSetAttr(c, windows(8)));
  }
  assertOk(vfioIommuMapDma(a, { flags: RW, vaddr: VA, iova: 0n, size: 64n * MB }));
  assertOk(vfioIommuMapDma(b, { flags: RW, vaddr: VA + 64n * MB, iova: 0n, size: 64n * MB }));
  assertFails(vfioIommuMapDma(b, { flags: RW, vaddr: VA + 128n * MB, iova: 64n * MB, size: 64n * MB }), 'ENOMEM', 'limit');
  a.release();
  assertOk(vfioIommuMapDma(b, { flags: RW, vaddr: VA + 128n * MB, iova: 64n * MB, size: 64n * MB }));
  assert.is(host.lockedBytes, 128 * 2 ** 20);
});

test.run();
