/**
 * Runs with passed-through devices (the shipped examples/machine-*.json): who answers, why the
 * kernel tiers give up, what reaches the hardware and the host, and that the log replays the
 * hardware tables bit for bit. Inline runs: the same steps as the threaded run, deterministic.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { HOST_PIN, KIND_HOST_MEMORY, RECORD_WORDS, R_HEAD, R_P0, headKind } from '../../src/events/layout.js';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { reasonName } from '../../src/papr/reasons.js';
import { tierName } from '../../src/papr/tiers.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { readMachineFile } from '../../src/pipeline/machine-file.js';
import { defaultRunOptions, type RunOptions } from '../../src/pipeline/run-options.js';
import type { RunResult } from '../../src/pipeline/run-result.js';

function run(machine: string, over: Partial<RunOptions> = {}): RunResult {
  return runInline({ ...defaultRunOptions(), calls: 3000, keepRecords: true, machine: readMachineFile(`examples/${machine}`), ...over });
}

/** Calls answered per tier name. */
function answered(r: RunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of r.stats.groups.values()) out[tierName(g.tier)] = (out[tierName(g.tier)] ?? 0) + g.count;
  return out;
}

function reasons(r: RunResult): Record<string, number> {
  return Object.fromEntries([...r.stats.escalations].map(([k, v]) => [reasonName(k), v]));
}

function verified(r: RunResult): boolean {
  return replayVerified(replayRecords(r.records!, r.recordCount));
}

test('(a) v2 + preregistered RAM + KVM link: real mode answers the steady state; only each fresh window\'s first map leaves it (ua-cache-missing)', () => {
  const r = run('machine-v2-prereg-kvm.json');
  const h = r.host!;
  // QEMU's replay when the device was plugged faulted every guest-view page in, so the one
  // thing real mode lacks is each hardware window's userspace-address cache.
  assert.equal(reasons(r), { 'ua-cache-missing': 2 });
  assert.equal(answered(r), { realmode: 5998, virtmode: 2 });
  // One per call, plus the clear real mode makes of the failing table's entry as it gives up.
  assert.is(h.hwWrites, 6000 + 2);
  assert.is(h.hwWritesByTier['userspace'], undefined);
  assert.ok(!h.ioctls.some(([k]) => k.startsWith('MAP_DMA')), 'QEMU never maps');
  assert.is(h.pinnedPages, 16384, 'all guest RAM (1 GiB of 64 KiB pages) pinned once, at registration');
  assert.ok(verified(r));
});

test('(b) v1: both kernel tiers punt every map (not-preregistered); QEMU serves it with MAP_DMA, pinning per page', () => {
  const r = run('machine-v1.json');
  const h = r.host!;
  assert.equal(Object.keys(answered(r)), ['userspace']);
  assert.equal(reasons(r), { 'not-preregistered': 2 * 6000 });
  const maps = h.ioctls.find(([k]) => k === 'MAP_DMA OK')![1];
  const unmaps = h.ioctls.find(([k]) => k === 'UNMAP_DMA OK')![1];
  assert.is(maps + unmaps, 6000);
  assert.is(h.pinsTaken, maps, 'one pin per 4 KiB map');
  assert.is(h.pinsReleased, unmaps);
  // ENABLE charged each 2 GiB window; KVM each vCPU's kernel table (262,144 TCEs: 32 pages of 64 KiB and a descriptor page).
  assert.is(h.lockedBytes, 2 * 0x80000000 + 2 * 33 * 0x10000);
  assert.equal(h.ioctls.find(([k]) => k === 'KVM_CREATE_SPAPR_TCE_64 OK'), ['KVM_CREATE_SPAPR_TCE_64 OK', 2]);
  assert.is(h.hwWrites, 6000);
  assert.ok(verified(r));
});

test('(c) no KVM link: the windows leave the kernel and every TCE hcall exits to QEMU', () => {
  const r = run('machine-no-kvm-link.json');
  assert.equal(answered(r), { userspace: 6000 });
  assert.equal(reasons(r), { 'no-table': 12000 });
  // QEMU took the tables out of the kernel: KVM gave their locked memory back.
  assert.equal(r.host!.ioctls.find(([k]) => k === 'KVM_CREATE_SPAPR_TCE_64 OK'), ['KVM_CREATE_SPAPR_TCE_64 OK', 2]);
  assert.is(r.host!.hwWrites, 6000);
  assert.ok(verified(r));
});

test('storage on a passed-through device: QEMU maps INDIRECT lists and unmaps STUFFs entry by entry', () => {
  const r = run('machine-v1.json', { workload: 'storage', calls: 200 });
  const h = r.host!;
  assert.ok(h.pinsTaken > 400);
  assert.is(h.pinsTaken - h.pinsReleased, h.pinnedPages);
  assert.ok(verified(r));
});

test('the log rebuilds pins and locked memory; a lost pin record fails verification', () => {
  const r = run('machine-v1.json', { calls: 500 });
  const words = r.records!;
  const rep = replayRecords(words, r.recordCount);
  assert.ok(rep.host !== null);
  assert.equal(rep.host.recorded, { pinnedPages: rep.host.pinnedPages, lockedBytes: rep.host.lockedBytes });
  assert.is(rep.host.pinnedPages, r.host!.pinnedPages);
  assert.is(rep.host.lockedBytes, BigInt(r.host!.lockedBytes));
  assert.is(rep.host.ioctls, r.host!.ioctls.reduce((n, [, c]) => n + c, 0));
  // Drop the first pin record (turn it into padding): the rebuilt pins no longer match.
  const tampered = words.slice();
  for (let i = 0; i < r.recordCount; i++) {
    const head = tampered[i * RECORD_WORDS + R_HEAD]!;
    if (headKind(head) === KIND_HOST_MEMORY && tampered[i * RECORD_WORDS + R_P0] === HOST_PIN) {
      tampered[i * RECORD_WORDS + R_HEAD] = head & ~0xff;
      break;
    }
  }
  const bad = replayRecords(tampered, r.recordCount);
  assert.not.ok(replayVerified(bad));
});

const dir = mkdtempSync(join(tmpdir(), 'tcesim-machine-'));

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

test('machine-file misuse is one line naming the file and field, exit 2', async () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ format: 'tcesim-machine/1', groups: [{ id: 1, ops: 'legacy' }], devices: [{ group: 1, container: 'v2' }] }));
  let r = await cli('run', '--machine', bad, '--calls', '10', '--inline');
  assert.is(r.code, 2);
  assert.is(r.err.length, 1);
  assert.match(r.err[0]!, /bad\.json: devices\[0\]\.container: a v2 container cannot take a "legacy" group \(EPERM\)/);
  writeFileSync(bad, JSON.stringify({ format: 'tcesim-machine/1', devices: [], colour: 1 }));
  r = await cli('run', '--machine', bad, '--calls', '10', '--inline');
  assert.is(r.code, 2);
  assert.match(r.err[0]!, /colour: unknown field/);
  r = await cli('run', '--vfio', 'v3', '--calls', '10');
  assert.is(r.code, 2);
  assert.match(r.err[0]!, /--vfio "v3" must be v1 or v2/);
  r = await cli('run', '--vfio', 'v2', '--locked-limit', '0x10000000', '--calls', '10', '--inline');
  assert.is(r.code, 2);
  assert.equal(r.err, ['tcesim: passed-through device: group 1: VFIO_IOMMU_SPAPR_REGISTER_MEMORY failed: ENOMEM']);
  r = await cli('run', '--no-kvm-link', '--calls', '10');
  assert.is(r.code, 2);
  assert.match(r.err[0]!, /need --vfio or --machine/);
});

test('a device per window scales with the vCPUs (12 windows, 12 containers, 12 hardware tables)', async () => {
  const r = await cli('run', '--vfio', 'v2', '--vcpus', '12', '--calls', '20', '--inline');
  assert.equal(r.err, []);
  assert.is(r.code, 0);
  assert.is(r.out.join('\n').match(/container-\d+: v2 container/g)?.length, 12);
  assert.match(r.out.join('\n'), /TCE_CREATE OK +12/);
});

test('the report shows hardware writes, pins, locked memory and ioctls by kind and errno', async () => {
  const r = await cli('run', '--vfio', 'v1', '--calls', '200', '--inline');
  assert.is(r.code, 0);
  const text = r.out.join('\n');
  assert.match(text, /hardware TCE writes: 400 \(userspace 400\)/);
  // Two 2 GiB v1 windows and two kernel tables of 33 pages of 64 KiB.
  assert.match(text, /pins: \d+ held, \d+ taken, \d+ released; locked memory 4,299,292,672 bytes/);
  assert.match(text, /MAP_DMA OK +\d+/);
  assert.match(text, /not-preregistered/);
});

test.run();
