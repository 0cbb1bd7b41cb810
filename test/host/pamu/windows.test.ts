import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IOMMU_READ, IOMMU_WRITE, PamuDomain } from '../../../src/host/pamu/pamu-domain.js';
import { assertFails, assertOk } from './expect.js';

const MB = 1n << 20n;
const RW = IOMMU_READ | IOMMU_WRITE;

/** 512 MB aperture at 0 in `count` windows, nothing mapped, DMA off. */
function domain(count = 8): PamuDomain {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0n, 512n * MB));
  assertOk(d.setWindowCount(count));
  return d;
}

test('window_enable: windows not configured is ENODEV', () => {
  const d = new PamuDomain();
  assertOk(d.setGeometry(0n, 512n * MB));
  assertFails(d.windowEnable(0, 0x1_00000000n, 64n * MB, RW), 'ENODEV', 'not configured');
});

test('window_enable: nr >= count is EINVAL', () => {
  assertFails(domain().windowEnable(8, 0x1_00000000n, 64n * MB, RW), 'EINVAL', '8');
});

test('window_enable: size above the sub-window size is EINVAL', () => {
  assertFails(domain().windowEnable(0, 0x1_00000000n, 128n * MB, RW), 'EINVAL', '0x8000000');
});

test('window_enable: mapping size not a power of two is EINVAL', () => {
  assertFails(domain().windowEnable(0, 0x1_00000000n, 0x3000n, RW), 'EINVAL', '0x3000');
});

test('window_enable: mapping size below 4 KiB is EINVAL', () => {
  assertFails(domain().windowEnable(0, 0x1_00000000n, 0x800n, RW), 'EINVAL', '0x800');
});

test('window_enable: paddr not aligned to the mapping size is EINVAL', () => {
  assertFails(domain().windowEnable(0, 0x1_02000000n, 64n * MB, RW), 'EINVAL', '0x102000000');
});

test('window_enable: a window that is already valid is EBUSY', () => {
  const d = domain();
  assertOk(d.windowEnable(3, 0x1_00000000n, 64n * MB, RW));
  assertFails(d.windowEnable(3, 0x1_04000000n, 64n * MB, RW), 'EBUSY', '3');
  assert.is(d.iovaToPhys(0x0c000010n), 0x1_00000010n); // the first mapping stands
});

test('window_enable: a smaller mapping is allowed and translates only within its size', () => {
  const d = domain();
  assertOk(d.windowEnable(2, 0x2_00010000n, 0x10000n, IOMMU_READ));
  assert.equal(d.windows()[2]?.mapping, { paddr: 0x2_00010000n, size: 0x10000n, prot: IOMMU_READ });
  assert.is(d.iovaToPhys(0x0800ffffn), 0x2_0001ffffn);
  assert.is(d.iovaToPhys(0x08010000n), undefined);
});

test('window_enable: multi-window domains accept new windows while enabled', () => {
  const d = domain();
  assertOk(d.windowEnable(0, 0x1_00000000n, 64n * MB, RW));
  assertOk(d.setEnabled(true));
  assertOk(d.windowEnable(1, 0x1_04000000n, 64n * MB, RW));
  assert.is(d.mappedCount, 2);
});

test('single window: mapping while the domain is enabled is EBUSY', () => {
  const d = domain(1);
  assertOk(d.windowEnable(0, 0x1_00000000n, 256n * MB, RW));
  assertOk(d.setEnabled(true));
  assertFails(d.windowEnable(0, 0x1_00000000n, 256n * MB, RW), 'EBUSY', 'single-window');
});

test('single window: the shape is checked before "already valid" (EINVAL, not EBUSY)', () => {
  const d = domain(1);
  assertOk(d.windowEnable(0, 0x1_00000000n, 512n * MB, RW));
  assertFails(d.windowEnable(0, 0x1_00000000n, 0x3000n, RW), 'EINVAL', '0x3000');
  assertFails(domain(8).windowEnable(0, 0x1_00000000n, 0x3000n, RW), 'EINVAL', '0x3000'); // fresh window: same rule
});

test('multi window: "already valid" is checked before the shape (EBUSY, not EINVAL)', () => {
  const d = domain(8);
  assertOk(d.windowEnable(0, 0x1_00000000n, 64n * MB, RW));
  assertFails(d.windowEnable(0, 0x1_00000000n, 0x3000n, RW), 'EBUSY', '0');
});

test('single window: disabling its window turns the domain off', () => {
  const d = domain(1);
  assertOk(d.windowEnable(0, 0x1_00000000n, 512n * MB, RW));
  assertOk(d.setEnabled(true));
  assertOk(d.windowDisable(0));
  assert.equal([d.enabled, d.mappedCount, d.iovaToPhys(0x10n)], [false, 0, undefined]);
});

test('window_disable: invalidates the window; the window can then be re-mapped', () => {
  const d = domain();
  assertOk(d.windowEnable(5, 0x1_00000000n, 64n * MB, RW));
  assertOk(d.setEnabled(true));
  assertOk(d.windowDisable(5));
  assert.equal([d.enabled, d.mappedCount, d.iovaToPhys(0x14000000n)], [true, 0, undefined]); // multi-window stays on
  assertOk(d.windowDisable(5)); // already invalid: no-op
  assertOk(d.windowEnable(5, 0x1_04000000n, 64n * MB, RW));
  assert.is(d.iovaToPhys(0x14000001n), 0x1_04000001n);
});

test('window_disable: unconfigured is ENODEV, nr >= count is EINVAL', () => {
  const d = new PamuDomain();
  assertFails(d.windowDisable(0), 'ENODEV', 'not configured');
  assertFails(domain().windowDisable(9), 'EINVAL', '9');
});

test('iova_to_phys: none outside the aperture, for invalid windows, before configuration', () => {
  const d = new PamuDomain();
  assert.is(d.iovaToPhys(0n), undefined);
  assertOk(d.setGeometry(0x4000_0000n, 0x4000_0000n));
  assertOk(d.setWindowCount(2));
  assertOk(d.windowEnable(1, 0x8000_0000n, 0x2000_0000n, RW));
  assert.equal(
    [0x3fff_ffffn, 0x4000_0000n, 0x6000_0000n, 0x7fff_ffffn, 0x8000_0000n].map((iova) => d.iovaToPhys(iova)),
    [undefined, undefined, 0x8000_0000n, 0x9fff_ffffn, undefined],
  );
});

test.run();
