import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../../src/cli/run-cli.js';
import { clockUnder, runGain } from '../../../src/gain/run-gain.js';
import { pamuBesideGain, pamuBesideText, type PamuBeside } from '../../../src/host/pamu/gain-beside.js';
import { costsFor } from '../../../src/pipeline/costs.js';

const GB = 2 ** 30;

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const costs = { power8: costsFor('power8'), power9: costsFor('power9') };

test('PAMU beside the gain machines: no hypercall, the guest\'s time against the wire, setup and pins of a 1 GB guest', () => {
  const g = runGain({ workload: 'storage', params: {}, vcpus: 1, calls: 300, seed: 3, costs });
  const setupCosts = { ...costs.power8, vfioIoctl: 1000, pinPage: 10, hwEntry: 7 };
  const p = pamuBesideGain(g, setupCosts, BigInt(GB));
  assert.is(p.hypercalls, 0);
  // 2 SET_ATTR + 16 MAP_DMA + GET_MSI_BANK_COUNT + 3 MAP_MSI_BANK; 262,144 pages; 16 + 3 windows.
  assert.equal([p.setup.ioctls, p.setup.pinnedPages, p.setup.windowsEnabled, p.setup.totalNs], [22, 262144, 19, 22_000 + 2_621_440 + 133]);
  assert.equal([p.pinnedBytes, p.lockedBytes, p.dmaWindows, p.windowBytes], [GB, GB, 16, 64 * 2 ** 20]);
  const m = g.machines[0]!;
  const guestNs = m.vcpus[0]!.guestNs;
  const payload = m.vcpus[0]!.payloadBytes;
  assert.ok(guestNs > 0, 'storage models guest time');
  assert.is(p.pathBytesPerSec, (payload / guestNs) * 1e9);
  assert.is(p.bytesPerSec, Math.min(p.pathBytesPerSec, m.wireBytesPerSec));
  // Every machine's hypercall path is slower than PAMU's, which has only the guest's time.
  for (const x of g.machines) assert.ok(x.pathBytesPerSec < p.pathBytesPerSec, x.machine.id);
  const hcallNs = clockUnder(m.vcpus[0]!, m.costs) - guestNs;
  assert.is(p.payback[0]?.machineId, m.machine.id);
  assert.ok(Math.abs((p.payback[0]?.bytes ?? 0) - p.setup.totalNs / (hcallNs / payload)) < 1e-6 * (p.payback[0]?.bytes ?? 1));
});

test('tcesim gain --json carries the PAMU device beside the machines; its text names setup, pins and payback', async () => {
  // One gain run only: every run holds a guest RAM buffer until collected, and the suite forks later.
  const json = await run('gain', '--calls', '100', '--json');
  assert.is(json.code, 0, json.err.join('\n'));
  const report = JSON.parse(json.out.join('\n')) as { machines: { machine: { id: string } }[]; pamu: PamuBeside };
  const p = report.pamu;
  assert.equal([p.hypercalls, p.pinnedBytes, p.setup.ioctls, p.setup.pinnedPages, p.payback.length], [0, GB, 22, 262144, report.machines.length]);
  const text = pamuBesideText(p, 'nic', 'POWER8 cost table').join('\n');
  assert.match(text, /^BESIDE: the same nic traffic on a PAMU-backed device/m);
  assert.match(text, /^PAMU \(e500, VFIO type 2\): guest RAM mapped once at setup +passed-through +[\d,.]+ +0 +(wire|guest time) +[\w,.]+$/m);
  const p8 = costs.power8;
  const setupMs = ((22 * p8.vfioIoctl + 262144 * p8.pinPage + 19 * p8.hwEntry) / 1e6).toFixed(3);
  assert.ok(text.includes(`\nsetup, once per guest before the first packet: ${setupMs} ms (modelled, POWER8 cost table): 22 ioctls, 262,144 pages pinned, 19 windows enabled\n`), setupMs);
  assert.match(text, /^pinned for the guest's lifetime: 1\.0 GB \(all of the guest's 1\.0 GB RAM\) in 16 windows of 64\.0 MB; locked memory 1\.0 GB$/m);
  assert.match(text, /^ {2}vfio-v2: power8-kvm-vfio-v2 [\d,.]+ [MG]B/m);
});

test.run();
