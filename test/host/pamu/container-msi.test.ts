import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPamuContainer } from '../../../src/host/pamu/container-layout.js';
import { buildSeed001Container, renderSeed001, SEED_001_CONTAINER_LAYOUT, SEED_001_MSI_BANKS } from '../../../src/host/pamu/seed-001.js';
import { renderPamuTable } from '../../../src/host/pamu/table.js';
import { vfioIommuSetAttr } from '../../../src/host/pamu/vfio-attr.js';
import { vfioIommuMapDma, vfioIommuUnmapDma } from '../../../src/host/pamu/vfio-dma.js';
import { vfioIommuPamuGetMsiBankCount, vfioIommuPamuMapMsiBank, vfioIommuPamuUnmapMsiBank } from '../../../src/host/pamu/vfio-msi.js';
import { VfioPamuContainer } from '../../../src/host/pamu/vfio-pamu-container.js';
import { assertFails, assertOk } from './expect.js';

const MB = 1n << 20n;

function container(): VfioPamuContainer {
  const c = new VfioPamuContainer({ msiBanks: SEED_001_MSI_BANKS });
  assertOk(vfioIommuSetAttr(c, { flags: 0, attr: { attribute: 'VFIO_ATTR_GEOMETRY', apertureStart: 0n, apertureEnd: 512n * MB - 1n } }));
  assertOk(vfioIommuSetAttr(c, { flags: 0, attr: { attribute: 'VFIO_ATTR_WINDOWS', windows: 8 } }));
  return c;
}

test('seed 001 through the container: the same table as the domain built directly', () => {
  assert.fixture(renderPamuTable(buildSeed001Container().domain), renderSeed001());
});

test('seed 001 through the container: 4 DMA windows pin 256 MB, the MSI windows pin nothing', () => {
  const c = buildSeed001Container();
  assert.equal(c.dmaWindows().map((w) => [w.window, w.size, w.pages]), [[0, 64n * MB, 16384], [1, 64n * MB, 16384], [2, 64n * MB, 16384], [3, 64n * MB, 16384]]);
  assert.equal([c.host.lockedBytes, c.host.pinnedPages, c.domain.mappedCount, c.domain.enabled], [256 * 2 ** 20, 65536, 7, true]);
  c.release();
  assert.equal([c.host.lockedBytes, c.host.pinnedPages, c.domain.mappedCount, c.domain.enabled], [0, 0, 0, false]);
});

test('MSI bank count: the banks the host exposes (3 in the seed, 0 without)', () => {
  assert.equal(vfioIommuPamuGetMsiBankCount(container()), { ok: true, value: 3 });
  assert.equal(vfioIommuPamuGetMsiBankCount(new VfioPamuContainer()), { ok: true, value: 0 });
});

test('MSI map: a 4 KB bank takes the whole 64 MB window and turns DMA on; UNMAP_DMA leaves it alone', () => {
  const c = container();
  assertOk(vfioIommuPamuMapMsiBank(c, { flags: 2, msiBankIndex: 2, iova: 0x1c00_0000n }));
  assert.equal([c.domain.mappedCount, c.domain.enabled, c.host.lockedBytes, c.host.pinnedPages], [1, true, 0, 0]);
  assert.is(c.domain.iovaToPhys(0x1c00_0004n), 0xf_fe04_6004n);
  assertFails(vfioIommuMapDma(c, { flags: 3, vaddr: 0n, iova: 0x1c00_0000n, size: 64n * MB }), 'EFAULT', '0x0'); // no memory at vaddr 0
  assert.equal(vfioIommuUnmapDma(c, { flags: 0, iova: 0n, size: 512n * MB }), { ok: true, value: 0n });
  assert.is(c.domain.iovaToPhys(0x1c00_0004n), 0xf_fe04_6004n);
});

test('MSI map errors: unknown bank, no READ/WRITE, other flag bits, iova outside, window in use, unconfigured', () => {
  const c = container();
  assertFails(vfioIommuPamuMapMsiBank(c, { flags: 3, msiBankIndex: 3, iova: 0x1000_0000n }), 'EINVAL', '3');
  assertFails(vfioIommuPamuMapMsiBank(c, { flags: 0, msiBankIndex: 0, iova: 0x1000_0000n }), 'EINVAL', 'neither');
  assertFails(vfioIommuPamuMapMsiBank(c, { flags: 5, msiBankIndex: 0, iova: 0x1000_0000n }), 'EINVAL', '5');
  assertFails(vfioIommuPamuMapMsiBank(c, { flags: 3, msiBankIndex: 0, iova: 0x2000_0000n }), 'EINVAL', '0x20000000');
  assertOk(vfioIommuPamuMapMsiBank(c, { flags: 3, msiBankIndex: 0, iova: 0x1000_0000n }));
  assertFails(vfioIommuPamuMapMsiBank(c, { flags: 3, msiBankIndex: 1, iova: 0x1000_1000n }), 'EBUSY', '4');
  const bare = new VfioPamuContainer({ msiBanks: SEED_001_MSI_BANKS });
  assertFails(vfioIommuPamuMapMsiBank(bare, { flags: 3, msiBankIndex: 0, iova: 0n }), 'ENODEV', 'not configured');
});

test('MSI unmap by its iova frees the window; the last window gone turns DMA off; geometry may then change', () => {
  const c = container();
  assertOk(vfioIommuPamuMapMsiBank(c, { flags: 3, msiBankIndex: 0, iova: 0x1000_0000n }));
  assertFails(vfioIommuSetAttr(c, { flags: 0, attr: { attribute: 'VFIO_ATTR_WINDOWS', windows: 4 } }), 'EBUSY', 'enabled');
  assertFails(vfioIommuPamuUnmapMsiBank(c, 0x1400_0000n), 'EINVAL', '0x14000000');
  assertOk(vfioIommuPamuUnmapMsiBank(c, 0x1000_0000n));
  assert.equal([c.domain.mappedCount, c.domain.enabled], [0, false]);
  assertOk(vfioIommuSetAttr(c, { flags: 0, attr: { attribute: 'VFIO_ATTR_WINDOWS', windows: 4 } }));
});

test('MSI ioctls after release are EBADF', () => {
  const c = container();
  c.release();
  assertFails(vfioIommuPamuGetMsiBankCount(c), 'EBADF', 'released');
  assertFails(vfioIommuPamuMapMsiBank(c, { flags: 3, msiBankIndex: 0, iova: 0n }), 'EBADF', 'released');
  assertFails(vfioIommuPamuUnmapMsiBank(c, 0n), 'EBADF', 'released');
});

test('a layout refused part-way names the ioctl and leaves nothing pinned or locked', () => {
  const bad = { ...SEED_001_CONTAINER_LAYOUT, windows: 6 };
  assert.equal(buildPamuContainer(bad), { ok: false, errno: 'EINVAL', reason: 'window count 6 is not a power of two', step: 'VFIO_IOMMU_SET_ATTR windows' });
  const overLimit = buildPamuContainer({ ...SEED_001_CONTAINER_LAYOUT, lockedLimit: 200n * MB });
  assert.equal(overLimit.ok ? 'built' : [overLimit.errno, overLimit.step], ['ENOMEM', 'VFIO_IOMMU_MAP_DMA ram[3]']);
  const msiClash = buildPamuContainer({ ...SEED_001_CONTAINER_LAYOUT, msi: [{ bank: 1, iova: 0x0400_0000n }] });
  assert.equal(msiClash.ok ? 'built' : [msiClash.errno, msiClash.step], ['EBUSY', 'VFIO_IOMMU_PAMU_MAP_MSI_BANK msi[0]']);
});

test.run();
