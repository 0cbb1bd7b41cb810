/**
 * KVM_CREATE_SPAPR_TCE_64's locked-memory charge: each kernel table QEMU asks for is charged
 * kvmppc_stt_pages(kvmppc_tce_pages(entries)) system pages to the VM's locked memory, given back
 * when QEMU frees the table (DDW remove, PHB reset, a move to userspace on a VFIO hotplug);
 * over RLIMIT_MEMLOCK the ioctl fails ENOMEM and QEMU serves the window from its own memory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultHostConfig, type HostConfig } from '../../src/host/host-config.js';
import { defaultGroupConfig } from '../../src/host/iommu-group.js';
import { H_RTAS, RTAS_IBM_CREATE_PE_DMA_WINDOW, RTAS_IBM_REMOVE_PE_DMA_WINDOW, RTAS_IBM_RESET_PE_DMA_WINDOW } from '../../src/papr/rtas.js';
import { H_SUCCESS } from '../../src/papr/return-codes.js';
import { REASON_NO_TABLE } from '../../src/papr/reasons.js';
import { TIER_USERSPACE, type Mode } from '../../src/papr/tiers.js';
import type { Machine } from '../../src/pipeline/machine.js';
import { kvmTceTableLockedBytes, kvmTceTableLockedPages } from '../../src/userspace/kvm-tce-create.js';
import { defaultPhbConfig } from '../../src/userspace/spapr-phb.js';
import { readRtasRets, writeRtasArgs } from '../../src/workload/rtas-buffer.js';
import { get, machine, put } from '../machines.js';
import { LineRecorder } from '../trace/support.js';

const KIB64 = 0x10000;
/** The default window: 262,144 TCEs of 8 bytes = 32 pages of 64 KiB, and one descriptor page. */
const DEFAULT_WINDOW_BYTES = 33 * KIB64;
/** A 1 GiB window of 64 KiB pages: 16,384 TCEs = 2 pages, and one descriptor page. */
const DDW_64K_1G_BYTES = 3 * KIB64;
const BUF = 0x8000;
const BUID = [0x8000000, 0x20000000];

function hostPhbMachine(mode: Mode, host: Partial<HostConfig> = {}): Machine {
  return machine(mode, {
    tables: [], phbs: [defaultPhbConfig(0)],
    passthrough: { host: { ...defaultHostConfig(), ...host }, groups: [defaultGroupConfig(1, 0)], devices: [] },
  });
}

function rtas(m: Machine, token: number, args: number[], nret: number): number[] {
  writeRtasArgs(m.tables.ram, BUF, token, args.length, nret, args);
  assert.is(m.call({ opcode: H_RTAS, liobn: BigInt(BUF), ioba: 0n }).ret, H_SUCCESS);
  return readRtasRets(m.tables.ram, BUF, args.length, nret).map((w) => w | 0);
}

const create64K1G = (m: Machine): number[] => rtas(m, RTAS_IBM_CREATE_PE_DMA_WINDOW, [0, ...BUID, 16, 30], 4);
const locked = (m: Machine): number => m.host!.memory.lockedBytes;
const ioctl = (m: Machine, key: string): number => m.host!.ioctls.get(key) ?? 0;

test('the charge is the TCE pages rounded up plus the descriptor (header and a pointer per TCE page) rounded up, in system pages', () => {
  assert.is(kvmTceTableLockedPages(262144, 16), 33);
  assert.is(kvmTceTableLockedPages(262144, 12), 512 + 2, '4 KiB pages: 512 TCE pages, 120 + 4096 descriptor bytes');
  assert.is(kvmTceTableLockedPages(1, 16), 2, 'one TCE still takes a whole page, and the descriptor another');
  // The descriptor fills its first 64 KiB page at (65536 - 120) / 8 = 8177 TCE pages.
  assert.is(kvmTceTableLockedPages(8177 * 8192, 16), 8177 + 1);
  assert.is(kvmTceTableLockedPages(8178 * 8192, 16), 8178 + 2);
  assert.is(kvmTceTableLockedBytes(262144, 16), DEFAULT_WINDOW_BYTES);
  assert.is(kvmTceTableLockedBytes(16384, 16), DDW_64K_1G_BYTES);
});

test('in the kernel modes the default window\'s kernel table is charged at start (one KVM_CREATE_SPAPR_TCE_64); QEMU\'s own tables are not', () => {
  for (const mode of ['realmode', 'virtmode'] as const) {
    const m = hostPhbMachine(mode);
    assert.is(locked(m), DEFAULT_WINDOW_BYTES, mode);
    assert.is(ioctl(m, 'KVM_CREATE_SPAPR_TCE_64 OK'), 1, mode);
  }
  const u = hostPhbMachine('userspace');
  assert.is(locked(u), 0);
  assert.is(ioctl(u, 'KVM_CREATE_SPAPR_TCE_64 OK'), 0, 'no KVM tables in mode userspace');
  const t = machine('realmode', {
    tables: [{ liobn: 0x71000002, busOffset: 0n, pageShift: 12, entries: 65536, userspaceOnly: false }, { liobn: 0x71000003, busOffset: 0n, pageShift: 12, entries: 65536, userspaceOnly: true }],
    passthrough: { host: defaultHostConfig(), groups: [], devices: [] },
  });
  assert.is(t.host!.memory.lockedBytes, kvmTceTableLockedBytes(65536, 16), 'a userspace-only table is not charged');
});

test('a DDW create charges the new window\'s table, its remove gives it back, and a reset leaves the default window\'s alone', () => {
  const m = hostPhbMachine('realmode');
  assert.equal(create64K1G(m), [0, 0x80000001 | 0, 0x8000000, 0]);
  assert.is(locked(m), DEFAULT_WINDOW_BYTES + DDW_64K_1G_BYTES);
  assert.equal(rtas(m, RTAS_IBM_REMOVE_PE_DMA_WINDOW, [0x80000001 | 0], 1), [0]);
  assert.is(locked(m), DEFAULT_WINDOW_BYTES);
  assert.equal(create64K1G(m), [0, 0x80000001 | 0, 0x8000000, 0]);
  assert.equal(rtas(m, RTAS_IBM_RESET_PE_DMA_WINDOW, [0, ...BUID], 1), [0]);
  assert.is(locked(m), DEFAULT_WINDOW_BYTES, 'the reset freed both tables and charged a new default window');
  assert.is(ioctl(m, 'KVM_CREATE_SPAPR_TCE_64 OK'), 4);
  // Removing the default window, then the last one: the automatic reset charges the default again.
  assert.equal(rtas(m, RTAS_IBM_REMOVE_PE_DMA_WINDOW, [0x80000000 | 0], 1), [0]);
  assert.is(locked(m), 0);
  assert.equal(create64K1G(m), [0, 0x80000000 | 0, 0, 0]);
  assert.is(locked(m), DDW_64K_1G_BYTES);
  assert.equal(rtas(m, RTAS_IBM_REMOVE_PE_DMA_WINDOW, [0x80000000 | 0], 1), [0]);
  assert.is(locked(m), DEFAULT_WINDOW_BYTES);
});

test('a PHB reset machine event and a VFIO hotplug move give the kernel tables\' locked memory back', () => {
  const m = hostPhbMachine('realmode');
  create64K1G(m);
  assert.is(put(m, 0x1000n, 0x2003n).ret, H_SUCCESS);
  const phb = m.qemu.phbs[0]!;
  const r = m.qemu.hotplugVfio(phb, 1);
  assert.equal(r.moved.map((x) => x.liobn), [0x80000000, 0x80000001]);
  assert.is(locked(m), 0, 'both tables left the kernel: their fds are closed');
  // With a VFIO device on the PHB QEMU keeps the new default window itself: nothing is charged.
  m.qemu.phbDmaReset(phb);
  assert.is(locked(m), 0);
  assert.is(m.qemu.unplugVfio(phb, 1), null);
  m.qemu.phbDmaReset(phb);
  assert.is(locked(m), DEFAULT_WINDOW_BYTES, 'no device left: KVM holds (and charges) the default window again');
});

test('over RLIMIT_MEMLOCK KVM_CREATE_SPAPR_TCE_64 fails ENOMEM: the create still answers SUCCESS and QEMU serves the window itself', () => {
  const m = hostPhbMachine('realmode', { lockedLimit: DEFAULT_WINDOW_BYTES + DDW_64K_1G_BYTES - 1 });
  const rec = new LineRecorder();
  m.qemu.trace = rec;
  assert.equal(create64K1G(m), [0, 0x80000001 | 0, 0x8000000, 0]);
  assert.is(ioctl(m, 'KVM_CREATE_SPAPR_TCE_64 ENOMEM'), 1);
  assert.is(locked(m), DEFAULT_WINDOW_BYTES, 'nothing charged for the refused table');
  assert.match(rec.lines[0]!, /^spapr_iommu_new_table liobn=0x80000001 table=0x[0-9a-f]+ fd=-1$/);
  const p = m.call({ opcode: 0x20, liobn: 0x80000001n, ioba: 0x800000000010000n, arg: 0x10003n });
  assert.is(p.ret, H_SUCCESS);
  assert.is(p.answeredBy, TIER_USERSPACE);
  assert.equal(p.path.slice(0, 2).map((a) => a.reason), [REASON_NO_TABLE, REASON_NO_TABLE], 'the kernel has no table for it');
  assert.is(get(m, 0x800000000010000n, 0x80000001n).tce, 0x10003n);
  // Removing it refunds nothing (it was never charged); the default window is still KVM's.
  rtas(m, RTAS_IBM_REMOVE_PE_DMA_WINDOW, [0x80000001 | 0], 1);
  assert.is(locked(m), DEFAULT_WINDOW_BYTES);
});

test('a limit below the default window\'s table: QEMU keeps the default window from the start', () => {
  const m = hostPhbMachine('virtmode', { lockedLimit: DEFAULT_WINDOW_BYTES - KIB64 });
  assert.is(locked(m), 0);
  assert.is(ioctl(m, 'KVM_CREATE_SPAPR_TCE_64 ENOMEM'), 1);
  const p = put(m, 0x1000n, 0x2003n);
  assert.equal([p.ret, p.answeredBy], [H_SUCCESS, TIER_USERSPACE]);
});

test.run();
