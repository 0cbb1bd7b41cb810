import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../../src/cli/run-cli.js';
import { renderSeed001 } from '../../../src/host/pamu/seed-001.js';

const EXAMPLES = join(process.cwd(), 'examples');
const dir = mkdtempSync(join(tmpdir(), 'tcesim-pamu-'));

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const SEED = JSON.parse(readFileSync(join(EXAMPLES, 'pamu-seed-001.json'), 'utf8')) as Record<string, unknown>;

/** The seed's example file with some fields replaced, written to a temporary file. */
function layout(name: string, change: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...SEED, ...change }));
  return file;
}

test('tcesim pamu with no file prints the seed\'s eight-window table (as the domain built directly renders it), then what the windows hold and pin', async () => {
  const r = await run('pamu');
  assert.is(r.code, 0);
  assert.equal(r.err, []);
  assert.fixture(r.out.join('\n'), [
    'PAMU domain: seed 001, through the VFIO container',
    '',
    // The table itself is the one the domain renders when built directly (pinned in seed-001.test.ts).
    ...renderSeed001().split('\n'),
    '',
    'windows: 4 guest RAM, 3 MSI bank, 1 disabled (of 8); DMA enabled',
    'pinned for the guest\'s lifetime: 256MB in 4 windows, 65536 host pages of 4KB',
    'locked memory: 256MB charged, limit none (CAP_IPC_LOCK)',
  ].join('\n'));
});

test('the shipped seed file gives the same table as the built-in example (and as the domain built directly)', async () => {
  const builtIn = await run('pamu');
  const file = await run('pamu', join(EXAMPLES, 'pamu-seed-001.json'));
  assert.is(file.code, 0);
  assert.equal(file.out.slice(1), builtIn.out.slice(1));
  assert.fixture(file.out.slice(2, 16).join('\n'), renderSeed001());
});

test('the shipped 1 GB example: one RAM range over 8 windows of 128 MB, under its locked-memory limit', async () => {
  const r = await run('pamu', join(EXAMPLES, 'pamu-1g-guest.json'));
  assert.is(r.code, 0);
  assert.is(r.out.find((l) => l.startsWith('# of windows')), '# of windows: 16');
  assert.is(r.out.find((l) => l.startsWith('7 ')), '7   0x38000000  0x2_78000000  128MB');
  assert.is(r.out.find((l) => l.startsWith('14 ')), '14  0x70000000  0xf_fe044000  4KB    // msi bank 1');
  assert.is(r.out.at(-1), 'locked memory: 1GB charged, limit 1536MB');
});

test('a non-power-of-two window count: one line naming the rule and EINVAL, exit 2 (the shipped example)', async () => {
  const r = await run('pamu', join(EXAMPLES, 'pamu-six-windows.json'));
  assert.is(r.code, 2);
  assert.equal(r.out, []);
  assert.equal(r.err, [`tcesim: ${join(EXAMPLES, 'pamu-six-windows.json')}: refused by VFIO_IOMMU_SET_ATTR windows: window count 6 is not a power of two (EINVAL)`]);
});

test('every refused layout: one line with the ioctl, the rule and the errno, exit 2', async () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['aperture-size', { aperture: { start: '0x0', size: '384M' } }, /SET_ATTR geometry: aperture size 0x18000000 is not a power of two >= 4 KiB \(EINVAL\)$/],
    ['aperture-start', { aperture: { start: '0x10000000', size: '512M' } }, /SET_ATTR geometry: aperture start 0x10000000 is not aligned to the aperture size 0x20000000 \(EINVAL\)$/],
    ['aperture-tiny', { aperture: { start: 0, size: 2048 } }, /SET_ATTR geometry: .*0x800.* \(EINVAL\)$/],
    ['zero-windows', { windows: 0 }, /SET_ATTR windows: window count 0 is not a power of two \(EINVAL\)$/],
    ['max-windows', { windows: 8, maxWindows: 4 }, /SET_ATTR windows: window count 8 is above the hardware maximum 4 \(EINVAL\)$/],
    ['too-many-windows', { windows: 512 }, /SET_ATTR windows: window count 512 is above the hardware maximum 256 \(EINVAL\)$/],
    ['small-windows', { aperture: { start: 0, size: '16K' }, windows: 8, ram: [], msi: [] }, /SET_ATTR windows: window count 8 gives sub-windows of 0x800, below 4 KiB \(EINVAL\)$/],
    ['ram-boundary', { ram: [{ iova: '0x2000000', size: '64M', paddr: '0x100000000' }], msi: [] }, /MAP_DMA ram\[0\]: iova 0x2000000 is not on a window boundary .* \(EINVAL\)$/],
    ['ram-partial', { ram: [{ iova: 0, size: '96M', paddr: '0x100000000' }], msi: [] }, /MAP_DMA ram\[0\]: the piece at 0x4000000 is 0x2000000, not a whole window of 0x4000000 \(EINVAL\)$/],
    ['ram-outside', { ram: [{ iova: '0x20000000', size: '64M', paddr: '0x100000000' }], msi: [] }, /MAP_DMA ram\[0\]: iova 0x20000000 is outside the aperture \(EINVAL\)$/],
    ['ram-paddr', { ram: [{ iova: 0, size: '64M', paddr: '0x102000000' }], msi: [] }, /MAP_DMA ram\[0\]: physical address 0x102000000 is not aligned to the mapping size 0x4000000 \(EINVAL\)$/],
    ['locked-limit', { lockedLimit: '128M' }, /MAP_DMA ram\[2\]: locking 67108864 more bytes would pass the locked-memory limit of 134217728 bytes .*\(ENOMEM\)$/],
    ['msi-on-ram', { msi: [{ bank: 1, iova: '0x4000000' }] }, /MAP_MSI_BANK msi\[0\]: window 1 is already valid: disable it first \(EBUSY\)$/],
    ['msi-twice', { msi: [{ bank: 1, iova: '0x10000000' }, { bank: 2, iova: '0x10000100' }] }, /MAP_MSI_BANK msi\[1\]: window 4 is already valid: disable it first \(EBUSY\)$/],
    ['msi-bank', { msi: [{ bank: 4, iova: '0x1c000000' }] }, /MAP_MSI_BANK msi\[0\]: MSI bank 3 does not exist \(3 banks\) \(EINVAL\)$/],
    ['msi-outside', { msi: [{ bank: 1, iova: '0x20000000' }] }, /MAP_MSI_BANK msi\[0\]: MSI iova 0x20000000 is outside the aperture \(EINVAL\)$/],
    ['msi-big-bank', { msiBanks: [{ paddr: '0xffe000000', size: '128M' }], msi: [{ bank: 1, iova: '0x1c000000' }] }, /MAP_MSI_BANK msi\[0\]: mapping size 0x8000000 exceeds the sub-window size 0x4000000 \(EINVAL\)$/],
  ];
  for (const [name, change, expected] of cases) {
    const file = layout(name, change);
    const r = await run('pamu', file);
    assert.is(r.code, 2, name);
    assert.equal(r.out, [], name);
    assert.is(r.err.length, 1, name);
    assert.ok(r.err[0]?.startsWith(`tcesim: ${file}: refused by VFIO_IOMMU_`), `${name}: ${r.err[0]}`);
    assert.match(r.err[0] ?? '', expected, name);
  }
});

test('a file that is not a layout: one line naming the field and value, exit 2', async () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"format": ');
  const cases: [string[], RegExp][] = [
    [['pamu', join(dir, 'missing.json')], /missing\.json: no such file$/],
    [['pamu', dir], /is a folder, not a layout file$/],
    [['pamu', bad], /bad\.json: not valid JSON/],
    [['pamu', layout('format', { format: 'tcesim-pamu-layout/9' })], /format\.json\.format: "tcesim-pamu-layout\/9" is not "tcesim-pamu-layout\/1"$/],
    [['pamu', layout('unknown', { windowz: 8 })], /unknown\.json\.windowz: unknown field/],
    [['pamu', layout('number', { aperture: { start: 0, size: 'lots' } })], /number\.json\.aperture\.size: "lots" is not an address or size/],
    [['pamu', layout('count', { windows: '8' })], /count\.json\.windows: "8" is not an integer$/],
    [['pamu', layout('page', { ram: [{ iova: 0, size: '64M', paddr: '0x100000800' }] })], /page\.json\.ram\[0\]\.paddr: 0x100000800 is not a whole number of 4 KiB pages$/],
    [['pamu', layout('overlap', { ram: [{ iova: 0, size: '128M', paddr: '0x100000000' }, { iova: '64M', size: '64M', paddr: '0x200000000' }] })], /overlap\.json\.ram: guest RAM at 0x0 and 0x4000000 overlap$/],
    [['pamu', layout('maxw', { maxWindows: 12 })], /maxw\.json\.maxWindows: 12 is not a power of two/],
    [['pamu', layout('missing-field', { aperture: { start: 0 } })], /missing-field\.json\.aperture\.size: missing$/],
    [['pamu', 'a.json', 'b.json'], /pamu takes at most one layout file, got a\.json b\.json$/],
    [['pamu', '--table'], /--table/],
  ];
  for (const [argv, expected] of cases) {
    const r = await run(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.err.length, 1, argv.join(' '));
    assert.match(r.err[0] ?? '', expected);
  }
});

test('tcesim help lists pamu; tcesim help pamu explains the layout file', async () => {
  const all = await run('help');
  assert.ok(all.out.join('\n').includes('tcesim pamu [LAYOUT.json]'));
  const one = await run('help', 'pamu');
  assert.is(one.code, 0);
  assert.match(one.out.join('\n'), /tcesim-pamu-layout\/1/);
});

test.run();
