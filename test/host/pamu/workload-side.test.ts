import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../../src/cli/run-cli.js';
import { buildPamuContainer } from '../../../src/host/pamu/container-layout.js';
import { guestPamuLayout } from '../../../src/host/pamu/guest-layout.js';
import { pamuSetupCost } from '../../../src/host/pamu/setup-cost.js';
import { runSideBySide } from '../../../src/host/pamu/workload-side.js';
import { defaultCosts } from '../../../src/pipeline/costs.js';
import { runInline } from '../../../src/pipeline/inline-run.js';
import { defaultRunOptions } from '../../../src/pipeline/run-options.js';

const MB = 1n << 20n;

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

test('a 256 MB guest gets the seed\'s shape: 512 MB aperture, 8 windows, RAM in 0-3, MSI banks in 4-6, 7 free', () => {
  const l = guestPamuLayout(256n * MB);
  assert.equal([l.apertureSize, l.windows, l.ram.map((r) => r.iova), l.msi.map((m) => [m.bank, m.iova])], [
    512n * MB, 8, [0n, 64n * MB, 128n * MB, 192n * MB], [[1, 0x1000_0000n], [2, 0x1400_0000n], [3, 0x1800_0000n]],
  ]);
});

test('a 1 GB guest: 16 RAM windows from 16 distinct huge pages, 32 windows of 64 MB; sizes PAMU cannot hold are refused', () => {
  const l = guestPamuLayout(1024n * MB);
  assert.equal([l.apertureSize, l.windows, l.ram.length], [2048n * MB, 32, 16]);
  assert.is(new Set(l.ram.map((r) => r.paddr)).size, 16);
  assert.ok(l.ram.every((r) => r.paddr % (64n * MB) === 0n));
  assert.throws(() => guestPamuLayout(100n * MB), /64 MB/);
  assert.throws(() => guestPamuLayout(16384n * MB), /above PAMU's 256/);
});

test('setup cost: each ioctl, pinned 4 KiB page and enabled window priced from the cost table', () => {
  const built = buildPamuContainer(guestPamuLayout(256n * MB));
  if (!built.ok) throw new Error(built.reason);
  const costs = { ...defaultCosts(), vfioIoctl: 1000, pinPage: 10, hwEntry: 7 };
  // 2 SET_ATTR + 4 MAP_DMA + 1 GET_MSI_BANK_COUNT + 3 MAP_MSI_BANK; 65536 pages; 7 windows.
  assert.equal(pamuSetupCost(built.container, costs), {
    ioctls: 10, pinnedPages: 65536, windowsEnabled: 7, ioctlNs: 10_000, pinNs: 655_360, windowNs: 49, totalNs: 665_409,
  });
});

test('side by side, nic: the same traffic, no hypercall on PAMU, the TCE side equal to a plain run', () => {
  const o = { workload: 'nic', params: {}, mode: 'realmode' as const, vcpus: 1, calls: 600, seed: 7, costs: defaultCosts(), layout: guestPamuLayout(1024n * MB) };
  const r = runSideBySide(o);
  if (!r.ok) throw new Error(r.reason);
  const plain = runInline({ ...defaultRunOptions(), workload: 'nic', vcpus: 1, calls: 600, seed: 7, log: null });
  const v = plain.vcpus[0]!;
  assert.equal([r.tce.hcalls, r.tce.modelledNs, r.tce.hcallNs, r.tce.bytes], [600, v.clockNs, v.hcallNs, v.mappedBytes]);
  assert.equal([r.pamu.hcalls, r.pamu.hcallNs, r.pamu.modelledNs, r.pamu.bytes], [0, 0, v.clockNs - v.hcallNs, v.mappedBytes]);
  assert.ok(r.tce.hcallNs > 0 && r.pamu.mbPerSec > r.tce.mbPerSec);
  assert.equal([r.reachablePages, r.ramPages, r.container.host.lockedBytes], [262144, 262144, 2 ** 30]);
  r.container.release();
  assert.equal([r.container.host.lockedBytes, r.container.host.pinnedPages], [0, 0]);
});

test('tcesim pamu --workload storage: setup, pinned memory and the two designs, exit 0', async () => {
  const r = await run('pamu', '--workload', 'storage:depth=8', '--vcpus', '1', '--calls', '300');
  assert.is(r.code, 0, r.err.join('\n'));
  const text = r.out.join('\n');
  const c = defaultCosts();
  assert.ok(text.includes(`pinned pages  262,144 x 4KB x pinPage ${c.pinPage.toLocaleString('en-US')} ns = ${(262144 * c.pinPage / 1e6).toFixed(3)} ms`), text);
  assert.match(text, /pinned for the guest's lifetime: 1GB in 16 windows of 64MB; locked memory 1GB/);
  assert.match(text, /map\/unmap hypercalls\s+300\s+0$/m);
  assert.match(text, /PAMU's setup equals the hypercall time of .* of this traffic/);
});

test('tcesim pamu --workload: misuse and layouts that cannot serve the guest are one line, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['pamu', '--workload', 'boot'], /pamu compares nic and storage/],
    [['pamu', '--workload', 'disk'], /--workload "disk": unknown workload "disk"/],
    [['pamu', '--workload', 'nic:ring=0'], /ring/],
    [['pamu', '--workload', 'nic', '--mode', 'turbo'], /--mode "turbo" must be one of realmode, virtmode, userspace/],
    [['pamu', '--workload', 'nic', '--calls', '0'], /--calls "0" must be an integer from 1/],
    [['pamu', '--mode', 'virtmode'], /--mode is only for pamu --workload/],
    [['pamu', 'examples/pamu-seed-001.json', '--workload', 'nic'], /reach 65536 of the guest's 262144 RAM pages/],
    [['pamu', 'examples/pamu-six-windows.json', '--workload', 'nic'], /refused by VFIO_IOMMU_SET_ATTR windows: window count 6 is not a power of two \(EINVAL\)/],
  ];
  for (const [argv, expected] of cases) {
    const r = await run(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.err.length, 1, argv.join(' '));
    assert.match(r.err[0] ?? '', expected);
  }
});

test.run();
