import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H_RTAS, RTAS_IBM_CREATE_PE_DMA_WINDOW, RTAS_IBM_QUERY_PE_DMA_WINDOW, RTAS_IBM_REMOVE_PE_DMA_WINDOW, RTAS_IBM_RESET_PE_DMA_WINDOW } from '../../src/papr/rtas.js';
import type { Machine } from '../../src/pipeline/machine.js';
import { H_ARENA_USED } from '../../src/shared-memory/layout.js';
import { defaultPhbConfig } from '../../src/userspace/spapr-phb.js';
import { readRtasRets, writeRtasArgs } from '../../src/workload/rtas-buffer.js';
import { get, indirect, machine, put, stuff } from '../machines.js';
import { LineRecorder } from '../trace/support.js';

const BUF = 0x8000;

function rtas(m: Machine, token: number, args: number[], nret: number): number[] {
  writeRtasArgs(m.tables.ram, BUF, token, args.length, nret, args);
  const r = m.call({ opcode: H_RTAS, liobn: BigInt(BUF), ioba: 0n });
  assert.is(r.ret, 0);
  return readRtasRets(m.tables.ram, BUF, args.length, nret).map((w) => w | 0);
}

const BUID = [0x8000000, 0x20000000];

function traced(): { m: Machine; lines: string[] } {
  const m = machine('userspace', { tables: [], phbs: [defaultPhbConfig(0)] });
  const rec = new LineRecorder();
  m.qemu.trace = rec;
  return { m, lines: rec.lines };
}

test('DDW calls print the lines QEMU 7.2 prints: new_table before ddw_create, and the reset after removing the last window', () => {
  const { m, lines } = traced();
  assert.equal(rtas(m, RTAS_IBM_QUERY_PE_DMA_WINDOW, [0, ...BUID], 5), [0, 1, 0x80000000 | 0, 0x107, 0]);
  assert.equal(rtas(m, RTAS_IBM_REMOVE_PE_DMA_WINDOW, [0x80000000 | 0], 1), [0]);
  assert.equal(rtas(m, RTAS_IBM_CREATE_PE_DMA_WINDOW, [0x100, ...BUID, 16, 30], 4), [0, 0x80000000 | 0, 0, 0]);
  assert.equal(rtas(m, RTAS_IBM_REMOVE_PE_DMA_WINDOW, [0x80000000 | 0], 1), [0]);
  assert.equal(rtas(m, RTAS_IBM_RESET_PE_DMA_WINDOW, [0x100, ...BUID], 1), [0]);
  const shown = lines.map((l) => l.replace(/table=0x[0-9a-f]+/, 'table=PTR'));
  assert.equal(shown, [
    'spapr_iommu_ddw_query buid=0x800000020000000 addr=0x0, 1 windows available, max window size=0x80000000, mask=0x107',
    'spapr_iommu_ddw_remove liobn=0x80000000',
    'spapr_iommu_new_table liobn=0x80000000 table=PTR fd=-1',
    'spapr_iommu_ddw_create buid=0x800000020000000 addr=0x100, page size=0x10000, requested=0x40000000, start addr=0x0, liobn=0x80000000',
    'spapr_iommu_ddw_remove liobn=0x80000000',
    'spapr_iommu_new_table liobn=0x80000000 table=PTR fd=-1',
    'spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x0',
    'spapr_iommu_new_table liobn=0x80000000 table=PTR fd=-1',
    'spapr_iommu_ddw_reset buid=0x800000020000000 addr=0x100',
  ]);
});

test('hcalls on a disabled window and on unknown LIOBNs are traced as QEMU traces them', () => {
  const { m, lines } = traced();
  put(m, 0x800000000001008n, 0x3n, 0x80000001n);
  get(m, 0x1008n, 0x180000001n);
  indirect(m, 0x800000000000000n, 0x10000n, [0x5003n], 1n, 0x80000001n);
  indirect(m, 0x0n, 0x10000n, [0x5003n], 1n, 0x80000007n); // unknown: refused before the loop, nothing printed
  stuff(m, 0x800000000000008n, 0n, 0n, 0x80000001n); // npages 0 loops zero times
  stuff(m, 0x800000000000000n, 0n, 1n, 0x80000001n); // more pages than the disabled table's 0: nothing printed
  assert.equal(lines, [
    'spapr_iommu_pci_put liobn=0x80000001 ioba=0x800000000001008 tce=0x3 ret=-4',
    'spapr_iommu_pci_get liobn=0x180000001 ioba=0x1008 ret=-4 tce=0x0',
    'spapr_iommu_pci_indirect liobn=0x80000001 ioba=0x800000000000000 tcelist=0x10000 iobaN=0x0 tceN=0x5003 ret=-4',
    'spapr_iommu_pci_stuff liobn=0x80000001 ioba=0x800000000000008 tcevalue=0x0 npages=0 ret=-4',
  ]);
});

test('a window removed and created again reuses its table memory and starts empty', () => {
  const m = machine('realmode', { tables: [], phbs: [defaultPhbConfig(0)] });
  const used = (): number => m.tables.control[H_ARENA_USED] as number;
  assert.equal(rtas(m, RTAS_IBM_CREATE_PE_DMA_WINDOW, [0, ...BUID, 16, 30], 4), [0, 0x80000001 | 0, 0x8000000, 0]);
  assert.is(put(m, 0x800000000010000n, 0x30003n, 0x80000001n).ret, 0);
  const after = used();
  for (let i = 0; i < 5; i++) {
    assert.equal(rtas(m, RTAS_IBM_REMOVE_PE_DMA_WINDOW, [0x80000001 | 0], 1), [0]);
    assert.equal(rtas(m, RTAS_IBM_CREATE_PE_DMA_WINDOW, [0, ...BUID, 16, 30], 4)[0], 0);
  }
  assert.is(used(), after);
  assert.is(get(m, 0x800000000010000n, 0x80000001n).tce, 0n);
});

test('a PHB reset drops the windows without a notification; a hotplug replays each live mapping as a MAP, once', () => {
  const m = machine('virtmode', { tables: [], phbs: [defaultPhbConfig(0)] });
  const heard: string[] = [];
  m.qemu.addListener((n) => heard.push(`${n.type} 0x${n.liobn.toString(16)} 0x${n.iova.toString(16)}`));
  const phb = m.qemu.phbs[0]!;
  assert.equal(rtas(m, RTAS_IBM_CREATE_PE_DMA_WINDOW, [0, ...BUID, 16, 30], 4)[0], 0);
  put(m, 0x1000n, 0x1003n);
  put(m, 0x2000n, 0x2001n);
  put(m, 0x3000n, 0n);
  put(m, 0x800000000010000n, 0x10003n, 0x80000001n);
  // Answered by KVM: QEMU hears nothing.
  assert.equal(heard, []);
  const moved = m.qemu.hotplugVfio(phb, 1);
  assert.equal(moved.moved, [{ liobn: 0x80000000, replayed: 2 }, { liobn: 0x80000001, replayed: 1 }]);
  assert.equal(heard, ['MAP 0x80000000 0x1000', 'MAP 0x80000000 0x2000', 'MAP 0x80000001 0x10000']);
  assert.equal(m.qemu.hotplugVfio(phb, 2).moved, [], 'the second device moves and replays nothing');
  heard.length = 0;
  m.qemu.phbDmaReset(phb);
  assert.equal(heard, [], 'reset: no UNMAP');
  assert.is(get(m, 0x1000n).tce, 0n);
  assert.is(get(m, 0x800000000010000n, 0x80000001n).ret, -4);
});

test('RTAS with an unknown token stores PARAM_ERROR and answers H_PARAMETER; a buffer outside RAM is H_PARAMETER', () => {
  const m = machine('virtmode', { tables: [], phbs: [defaultPhbConfig(0)] });
  writeRtasArgs(m.tables.ram, BUF, 0x2fff, 0, 1, []);
  assert.is(m.call({ opcode: H_RTAS, liobn: BigInt(BUF), ioba: 0n }).ret, -4);
  assert.equal(readRtasRets(m.tables.ram, BUF, 0, 1).map((w) => w | 0), [-3]);
  assert.is(m.call({ opcode: H_RTAS, liobn: 0x10000000n - 4n, ioba: 0n }).ret, -4);
});

test.run();
