/**
 * Random map / unmap / MSI / release sequences against the PAMU container, checked after every
 * step against a model written here from SPEC §7 and the RFC's rules: which windows hold what,
 * and that locked memory and pins always equal the pages of the DMA windows (so a failed MAP
 * has rolled back everything and release brings both to zero).
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HostMemory } from '../../../src/host/host-memory.js';
import { ProcessMemory } from '../../../src/host/pamu/process-memory.js';
import { vfioIommuSetAttr } from '../../../src/host/pamu/vfio-attr.js';
import { vfioIommuMapDma, vfioIommuUnmapDma } from '../../../src/host/pamu/vfio-dma.js';
import { vfioIommuPamuMapMsiBank, vfioIommuPamuUnmapMsiBank } from '../../../src/host/pamu/vfio-msi.js';
import { VfioPamuContainer } from '../../../src/host/pamu/vfio-pamu-container.js';

const WINDOWS = 8;
const WIN = 0x2_0000n; // 128 KiB windows in a 1 MiB aperture
const PAGES = Number(WIN / 0x1000n);
const VA = 0x10_0000_0000n;
/** User memory behind windows 0-5 only: maps reaching 6 or 7 fail with EFAULT. */
const BACKED = 6;
const LIMIT_WINDOWS = 4;

type Op =
  | { readonly op: 'map'; readonly first: number; readonly count: number; readonly skew: bigint }
  | { readonly op: 'unmap'; readonly first: number; readonly count: number }
  | { readonly op: 'msi'; readonly bank: number; readonly window: number }
  | { readonly op: 'unmsi'; readonly window: number }
  | { readonly op: 'release' };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('map' as const), first: fc.integer({ min: 0, max: 8 }), count: fc.integer({ min: 1, max: 4 }), skew: fc.constantFrom(0n, 0n, 0n, 0x1000n, WIN / 2n) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('unmap' as const), first: fc.integer({ min: 0, max: 7 }), count: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('msi' as const), bank: fc.integer({ min: 0, max: 2 }), window: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unmsi' as const), window: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'release' as const }) },
);

type Slot = 'free' | 'dma' | 'msi';

function run(ops: readonly Op[]): void {
  const memory = new ProcessMemory(Array.from({ length: BACKED }, (_, i) => ({ vaddr: VA + BigInt(i) * WIN, paddr: 0x4000_0000n + BigInt(i) * WIN * 4n, size: WIN })));
  const host = new HostMemory(12, LIMIT_WINDOWS * Number(WIN));
  const banks = [0, 1, 2].map((i) => ({ paddr: 0xf_fe04_4000n + BigInt(i) * 0x1000n, size: 0x1000n }));
  let c = new VfioPamuContainer({ memory, host, msiBanks: banks });
  const configure = (): void => {
    assert.ok(vfioIommuSetAttr(c, { flags: 0, attr: { attribute: 'VFIO_ATTR_GEOMETRY', apertureStart: 0n, apertureEnd: WIN * BigInt(WINDOWS) - 1n } }).ok);
    assert.ok(vfioIommuSetAttr(c, { flags: 0, attr: { attribute: 'VFIO_ATTR_WINDOWS', windows: WINDOWS } }).ok);
  };
  configure();
  let model: Slot[] = new Array<Slot>(WINDOWS).fill('free');
  ops.forEach((o, step) => {
    const where = `step ${step} ${JSON.stringify(o, (_, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`;
    const dmaCount = model.filter((s) => s === 'dma').length;
    switch (o.op) {
      case 'map': {
        const r = vfioIommuMapDma(c, { flags: 3, vaddr: VA + BigInt(o.first) * WIN, iova: BigInt(o.first) * WIN + o.skew, size: BigInt(o.count) * WIN });
        const range = Array.from({ length: o.count }, (_, k) => o.first + k);
        // Rules checked window by window: the first window that breaks one decides the errno.
        const firstBad = range.findIndex((w) => w >= WINDOWS || model[w] !== 'free' || w >= BACKED || dmaCount + range.indexOf(w) + 1 > LIMIT_WINDOWS);
        const expected = o.skew !== 0n ? 'EINVAL' : firstBad < 0 ? 'ok'
          : (range[firstBad] as number) >= WINDOWS ? 'EINVAL'
          : (range[firstBad] as number) >= BACKED ? 'EFAULT'
          : dmaCount + firstBad + 1 > LIMIT_WINDOWS ? 'ENOMEM'
          : 'EBUSY';
        assert.is(r.ok ? 'ok' : r.errno, expected, where);
        if (r.ok) for (const w of range) model[w] = 'dma';
        break;
      }
      case 'unmap': {
        const r = vfioIommuUnmapDma(c, { flags: 0, iova: BigInt(o.first) * WIN, size: BigInt(o.count) * WIN });
        if (o.first + o.count > WINDOWS) {
          assert.is(r.ok ? 'ok' : r.errno, 'EINVAL', where);
          break;
        }
        let bytes = 0n;
        for (let w = o.first; w < o.first + o.count; w++) {
          if (model[w] === 'dma') {
            model[w] = 'free';
            bytes += WIN;
          }
        }
        assert.equal(r, { ok: true, value: bytes }, where);
        break;
      }
      case 'msi': {
        const r = vfioIommuPamuMapMsiBank(c, { flags: 3, msiBankIndex: o.bank, iova: BigInt(o.window) * WIN + 0x40n });
        assert.is(r.ok ? 'ok' : r.errno, model[o.window] === 'free' ? 'ok' : 'EBUSY', where);
        if (r.ok) model[o.window] = 'msi';
        break;
      }
      case 'unmsi': {
        const r = vfioIommuPamuUnmapMsiBank(c, BigInt(o.window) * WIN + 0x40n);
        assert.is(r.ok ? 'ok' : r.errno, model[o.window] === 'msi' ? 'ok' : 'EINVAL', where);
        if (r.ok) model[o.window] = 'free';
        break;
      }
      case 'release': {
        c.release();
        assert.equal([host.lockedBytes, host.pinnedPages, host.pinsTaken - host.pinsReleased, c.domain.mappedCount], [0, 0, 0, 0], where);
        c = new VfioPamuContainer({ memory, host, msiBanks: banks });
        configure();
        model = new Array<Slot>(WINDOWS).fill('free');
        break;
      }
    }
    const dma = model.flatMap((s, w) => (s === 'dma' ? [w] : []));
    assert.equal(c.dmaWindows().map((w) => w.window), dma, where);
    assert.equal(c.domain.windows().map((w) => (w.mapping === undefined ? 'free' : w.mapping.msi ? 'msi' : 'dma')), model, where);
    assert.equal([host.lockedBytes, host.pinnedPages], [dma.length * Number(WIN), dma.length * PAGES], where);
    assert.is(c.domain.enabled, model.some((s) => s !== 'free'), where);
  });
  c.release();
  assert.equal([host.lockedBytes, host.pinnedPages, host.pinsTaken - host.pinsReleased], [0, 0, 0]);
}

test('random map/unmap/MSI/release sequences: windows as modelled, locked = pinned = DMA pages, zero after release', () => {
  fc.assert(fc.property(fc.array(arbOp, { maxLength: 40 }), (ops) => run(ops)), { seed: 0x9a4d0014, numRuns: 300, includeErrorInReport: true });
});

test.run();
