import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IOMMU_READ, PamuDomain } from '../../../src/host/pamu/pamu-domain.js';
import { assertFails, assertOk } from './expect.js';

const MB = 1n << 20n;

/** 512 MB aperture at 0, `count` windows, window 0 mapped, DMA on. */
function enabledDomain(count = 8): PamuDomain {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0n, 512n * MB));
  assertOk(d.setWindowCount(count));
  assertOk(d.windowEnable(0, 0x1_00000000n, 0x1000n, IOMMU_READ));
  assertOk(d.setEnabled(true));
  return d;
}

test('a new domain: geometry unset, count = hardware maximum, windows not configured', () => {
  const d = new PamuDomain();
  assert.equal([d.geometry, d.windowCount, d.windowsConfigured, d.subWindowSize, d.enabled], [undefined, 256, false, undefined, false]);
  assert.is(new PamuDomain({ maxWindows: 16 }).windowCount, 16);
});

test('geometry: aperture size not a power of two is EINVAL', () => {
  assertFails(new PamuDomain().setGeometry(0n, 0x3000_0000n), 'EINVAL', '0x30000000');
});

test('geometry: aperture below 4 KiB is EINVAL', () => {
  assertFails(new PamuDomain().setGeometry(0n, 0x800n), 'EINVAL', '0x800');
});

test('geometry: start not aligned to the aperture size is EINVAL', () => {
  assertFails(new PamuDomain().setGeometry(0x1000_0000n, 512n * MB), 'EINVAL', '0x10000000');
});

test('geometry: an aperture ending past 2^64 is EINVAL', () => {
  assertFails(new PamuDomain().setGeometry(1n << 64n, 1n << 32n), 'EINVAL', '0x10000000000000000');
});

test('geometry: a valid aperture is accepted (start aligned to its own size)', () => {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0x2000_0000n, 512n * MB));
  assert.equal(d.geometry, { start: 0x2000_0000n, size: 512n * MB });
});

test('geometry: changing it while the domain is enabled is EBUSY', () => {
  assertFails(enabledDomain().setGeometry(0n, 1024n * MB), 'EBUSY', 'enabled');
});

test('geometry: a new geometry drops the window configuration', () => {
  const d = enabledDomain();
  assertOk(d.setEnabled(false));
  assertOk(d.setGeometry(0n, 1024n * MB));
  assert.equal([d.windowsConfigured, d.mappedCount, d.iovaToPhys(0n)], [false, 0, undefined]);
});

test('window count: before any geometry is EINVAL', () => {
  assertFails(new PamuDomain().setWindowCount(8), 'EINVAL', '8');
});

test('window count: not a power of two is EINVAL', () => {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0n, 512n * MB));
  assertFails(d.setWindowCount(6), 'EINVAL', '6');
});

test('window count: zero is EINVAL', () => {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0n, 512n * MB));
  assertFails(d.setWindowCount(0), 'EINVAL', '0');
});

test('window count: above the default maximum (256) is EINVAL', () => {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0n, 512n * MB));
  assertFails(d.setWindowCount(512), 'EINVAL', '256');
  assertOk(d.setWindowCount(256));
});

test('window count: the maximum is a constructor option', () => {
  const d = new PamuDomain({ maxWindows: 4 });
  assertOk(d.setGeometry(0n, 512n * MB));
  assertFails(d.setWindowCount(8), 'EINVAL', '4');
  assertOk(d.setWindowCount(4));
  assert.throws(() => new PamuDomain({ maxWindows: 12 }), /12/);
});

test('window count: sub-windows below 4 KiB are EINVAL', () => {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0n, 0x4000n));
  assertFails(d.setWindowCount(8), 'EINVAL', '0x800');
  assertOk(d.setWindowCount(4));
});

test('window count: changing it while the domain is enabled is EBUSY', () => {
  assertFails(enabledDomain().setWindowCount(4), 'EBUSY', 'enabled');
});

test('window count: window i starts at aperture start + i * (aperture / count)', () => {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0x4000_0000n, 1024n * MB));
  assertOk(d.setWindowCount(4));
  assert.equal(d.windows().map((w) => [w.index, w.iova, w.size]), [
    [0, 0x4000_0000n, 256n * MB],
    [1, 0x5000_0000n, 256n * MB],
    [2, 0x6000_0000n, 256n * MB],
    [3, 0x7000_0000n, 256n * MB],
  ]);
});

test('enable: with no valid window is ENODEV, also before windows are configured', () => {
  const d = new PamuDomain();
  assertFails(d.setEnabled(true), 'ENODEV', 'window');
  assertOk(d.setGeometry(0n, 512n * MB));
  assertOk(d.setWindowCount(8));
  assertFails(d.setEnabled(true), 'ENODEV', 'window');
  assert.is(d.enabled, false);
  assertOk(d.setEnabled(false)); // disabling needs nothing
});

test('enable: one valid window is enough; disable lets the geometry change again', () => {
  const d = enabledDomain();
  assert.is(d.enabled, true);
  assertOk(d.setEnabled(false));
  assertOk(d.setWindowCount(4));
});

test.run();
