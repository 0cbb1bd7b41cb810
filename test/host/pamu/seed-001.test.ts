import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPamuDomain } from '../../../src/host/pamu/layout.js';
import { IOMMU_WRITE } from '../../../src/host/pamu/pamu-domain.js';
import { buildSeed001, renderSeed001, SEED_001_LAYOUT } from '../../../src/host/pamu/seed-001.js';
import { formatAddress, formatSize } from '../../../src/host/pamu/table.js';
import { assertFails, assertOk } from './expect.js';

const MB = 1n << 20n;

test('seed 001 builds: 512 MB aperture, 8 windows of 64 MB, 7 valid, enabled', () => {
  const d = buildSeed001();
  assert.equal(d.geometry, { start: 0n, size: 512n * MB });
  assert.equal([d.windowCount, d.subWindowSize, d.mappedCount, d.enabled], [8, 64n * MB, 7, true]);
  assert.equal(
    d.windows().map((w) => [w.iova, w.mapping?.size, w.mapping?.msi?.bank]),
    [
      [0x00000000n, 64n * MB, undefined],
      [0x04000000n, 64n * MB, undefined],
      [0x08000000n, 64n * MB, undefined],
      [0x0c000000n, 64n * MB, undefined],
      [0x10000000n, 0x1000n, 0],
      [0x14000000n, 0x1000n, 1],
      [0x18000000n, 0x1000n, 2],
      [0x1c000000n, undefined, undefined],
    ],
  );
});

test('seed 001 renders as the mail\'s table (RAM phys filled in, lower-case hex)', () => {
  assert.fixture(
    renderSeed001(),
    [
      'Total aperture: 512MB',
      '# of windows: 8',
      '',
      'win gphys/',
      '#   iova        phys          size',
      '--- ----        ----          ----',
      '0   0x00000000  0x1_00000000  64MB',
      '1   0x04000000  0x1_0c000000  64MB',
      '2   0x08000000  0x1_04000000  64MB',
      '3   0x0c000000  0x1_38000000  64MB',
      '4   0x10000000  0xf_fe044000  4KB    // msi bank 1',
      '5   0x14000000  0xf_fe045000  4KB    // msi bank 2',
      '6   0x18000000  0xf_fe046000  4KB    // msi bank 3',
      '7            -             -  disabled',
    ].join('\n'),
  );
});

test('an iova in window 1 translates into window 1\'s huge page', () => {
  const d = buildSeed001();
  assert.is(d.iovaToPhys(0x04000000n), 0x1_0c000000n);
  assert.is(d.iovaToPhys(0x04123456n), 0x1_0c123456n);
  assert.is(d.iovaToPhys(0x07ffffffn), 0x1_0fffffffn); // last byte of the window
});

test('an MSI iova translates to its bank; past the 4 KB bank is none', () => {
  const d = buildSeed001();
  assert.is(d.iovaToPhys(0x14000140n), 0xf_fe045140n);
  assert.is(d.iovaToPhys(0x18000ffcn), 0xf_fe046ffcn);
  assert.is(d.iovaToPhys(0x14001000n), undefined); // inside window 5, beyond the mapping
});

test('window 7 and anything beyond the aperture translate to none', () => {
  const d = buildSeed001();
  assert.is(d.iovaToPhys(0x1c000000n), undefined);
  assert.is(d.iovaToPhys(0x1fffffffn), undefined);
  assert.is(d.iovaToPhys(0x20000000n), undefined);
  assert.is(d.iovaToPhys(-1n), undefined);
});

test('an MSI bank is unmapped by its iova, freeing the whole window', () => {
  const d = buildSeed001();
  assertOk(d.unmapMsiBank(0x14000000n));
  assert.is(d.iovaToPhys(0x14000140n), undefined);
  assertFails(d.unmapMsiBank(0x14000000n), 'EINVAL', '0x14000000');
  assertOk(d.mapMsiBank(1, 0x1c000000n, IOMMU_WRITE)); // window 7 can take it instead
  assert.is(d.iovaToPhys(0x1c000004n), 0xf_fe045004n);
});

test('the layout builder names the step a bad plan fails at', () => {
  const bad = { ...SEED_001_LAYOUT, windows: [...SEED_001_LAYOUT.windows, { kind: 'ram' as const, window: 7, paddr: 0x1_02000000n, size: 64n * MB }] };
  assert.equal(buildPamuDomain(bad), {
    ok: false,
    errno: 'EINVAL',
    reason: 'physical address 0x102000000 is not aligned to the mapping size 0x4000000',
    step: 'window 7 (ram)',
  });
  assert.is(buildPamuDomain(SEED_001_LAYOUT, 4).ok, false); // 8 windows above a maximum of 4
});

test('sizes and addresses format like the mail', () => {
  assert.equal([formatSize(512n * MB), formatSize(0x1000n), formatSize(1n << 30n), formatSize(0x800n), formatSize(3n)], ['512MB', '4KB', '1GB', '2KB', '3B']);
  assert.equal([formatAddress(0n), formatAddress(0xf_fe044000n)], ['0x00000000', '0xf_fe044000']);
});

test.run();
