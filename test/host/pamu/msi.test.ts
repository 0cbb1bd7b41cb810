import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IOMMU_READ, IOMMU_WRITE, PamuDomain } from '../../../src/host/pamu/pamu-domain.js';
import { assertFails, assertOk } from './expect.js';

const MB = 1n << 20n;
const BANKS = [
  { paddr: 0xf_fe044000n, size: 0x1000n },
  { paddr: 0xf_fe045000n, size: 0x1000n },
];

/** 512 MB aperture at 0 in 8 windows of 64 MB, with two MSI banks. */
function domain(): PamuDomain {
  const d = new PamuDomain({ msiBanks: BANKS });
  assertOk(d.setGeometry(0n, 512n * MB));
  assertOk(d.setWindowCount(8));
  return d;
}

test('an MSI bank consumes the whole window containing the iova', () => {
  const d = domain();
  assertOk(d.mapMsiBank(1, 0x1400_0800n, IOMMU_WRITE)); // mid-window 5
  assert.equal(d.windows()[5]?.mapping, { paddr: 0xf_fe045000n, size: 0x1000n, prot: IOMMU_WRITE, msi: { bank: 1, iova: 0x1400_0800n } });
  assert.is(d.iovaToPhys(0x1400_0010n), 0xf_fe045010n); // translation starts at the window, not the given iova
  assertFails(d.windowEnable(5, 0x1_00000000n, 64n * MB, IOMMU_READ), 'EBUSY', '5');
  assertFails(d.mapMsiBank(0, 0x1500_0000n, IOMMU_WRITE), 'EBUSY', '5'); // same window, other bank
});

test('map_msi_bank: neither READ nor WRITE is EINVAL', () => {
  assertFails(domain().mapMsiBank(0, 0x1000_0000n, 0), 'EINVAL', '0');
});

test('map_msi_bank: an unknown bank index is EINVAL', () => {
  assertFails(domain().mapMsiBank(2, 0x1000_0000n, IOMMU_WRITE), 'EINVAL', '2');
});

test('map_msi_bank: windows not configured is ENODEV', () => {
  const d = new PamuDomain({ msiBanks: BANKS });
  assertOk(d.setGeometry(0n, 512n * MB));
  assertFails(d.mapMsiBank(0, 0x1000_0000n, IOMMU_WRITE), 'ENODEV', 'not configured');
});

test('map_msi_bank: an iova outside the aperture is EINVAL', () => {
  assertFails(domain().mapMsiBank(0, 0x2000_0000n, IOMMU_WRITE), 'EINVAL', '0x20000000');
});

test('map_msi_bank: a bank larger than the sub-window is EINVAL', () => {
  const d = new PamuDomain({ msiBanks: [{ paddr: 0xf_fe000000n, size: 0x10000n }] });
  assertOk(d.setGeometry(0n, 0x10000n));
  assertOk(d.setWindowCount(8)); // 8 KiB sub-windows
  assertFails(d.mapMsiBank(0, 0n, IOMMU_READ), 'EINVAL', '0x10000');
});

test('unmap_msi_bank: needs the exact iova it was mapped by', () => {
  const d = domain();
  assertOk(d.mapMsiBank(0, 0x1000_0000n, IOMMU_READ | IOMMU_WRITE));
  assertFails(d.unmapMsiBank(0x1000_0800n), 'EINVAL', '0x10000800'); // same window, other iova
  assertOk(d.unmapMsiBank(0x1000_0000n));
  assert.equal([d.mappedCount, d.iovaToPhys(0x1000_0000n)], [0, undefined]);
});

test('unmap_msi_bank: a RAM window at that iova is not an MSI bank (EINVAL)', () => {
  const d = domain();
  assertOk(d.windowEnable(0, 0x1_00000000n, 64n * MB, IOMMU_READ));
  assertFails(d.unmapMsiBank(0n), 'EINVAL', '0x0');
  assert.is(d.mappedCount, 1);
});

test.run();
