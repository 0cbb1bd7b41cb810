/**
 * tcesim's QEMU trace lines against the format strings QEMU 7.2 declares for them in
 * hw/ppc/trace-events (transcribed below, PRI macros as written there), rendered here with a
 * small printf of their own: every line tcesim prints is the declared format with the declared
 * argument order and C types (a u64 `ret` printed with PRId64 is signed, an `int fd` is signed),
 * and the parser reads each rendered line back to the same values.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatGet, formatIndirect, formatPut, formatStuff, formatTraceEvent } from '../../src/trace/trace-format.js';
import { parseTraceLine } from '../../src/trace/trace-line.js';
import { LineRecorder } from './support.js';

/** hw/ppc/trace-events (QEMU 7.2): event -> its format string. */
const DECLARED: Readonly<Record<string, string>> = {
  spapr_iommu_put: 'liobn=0x%"PRIx64" ioba=0x%"PRIx64" tce=0x%"PRIx64" ret=%"PRId64',
  spapr_iommu_get: 'liobn=0x%"PRIx64" ioba=0x%"PRIx64" ret=%"PRId64" tce=0x%"PRIx64',
  spapr_iommu_indirect: 'liobn=0x%"PRIx64" ioba=0x%"PRIx64" tcelist=0x%"PRIx64" iobaN=0x%"PRIx64" tceN=0x%"PRIx64" ret=%"PRId64',
  spapr_iommu_stuff: 'liobn=0x%"PRIx64" ioba=0x%"PRIx64" tcevalue=0x%"PRIx64" npages=%"PRId64" ret=%"PRId64',
  spapr_iommu_new_table: 'liobn=0x%"PRIx64" table=%p fd=%d',
  spapr_iommu_ddw_query: 'buid=0x%"PRIx64" addr=0x%"PRIx32", %u windows available, max window size=0x%"PRIx64", mask=0x%"PRIx32',
  spapr_iommu_ddw_create: 'buid=0x%"PRIx64" addr=0x%"PRIx32", page size=0x%"PRIx64", requested=0x%"PRIx64", start addr=0x%"PRIx64", liobn=0x%"PRIx32',
  spapr_iommu_ddw_remove: 'liobn=0x%"PRIx32',
  spapr_iommu_ddw_reset: 'buid=0x%"PRIx64" addr=0x%"PRIx32',
};

const U64 = (1n << 64n) - 1n;

/** printf for the conversions above; each argument is the C value as an unsigned bigint of its width. */
function render(event: string, args: readonly bigint[]): string {
  const fmt = DECLARED[event.replace('_pci_', '_')];
  if (fmt === undefined) throw new Error(`no declared format for ${event}`);
  const text = fmt.replace(/"(PRI[xdu](?:32|64))"?/g, '$1');
  let i = 0;
  const out = text.replace(/%(PRIx64|PRIx32|PRId64|PRIu32|u|d|p)/g, (_m, conv: string) => {
    const v = args[i++] as bigint;
    switch (conv) {
      case 'PRIx64': case 'PRIx32': return (v & U64).toString(16);
      case 'PRId64': return (BigInt.asIntN(64, v)).toString();
      case 'd': return (BigInt.asIntN(32, v)).toString();
      case 'p': return `0x${v.toString(16)}`;
      default: return v.toString();
    }
  });
  assert.is(i, args.length, `${event}: arguments used`);
  return `${event} ${out}`;
}

const neg = (n: number): bigint => BigInt.asUintN(64, BigInt(n));

test('hcall lines: the declared formats, pci_ variants, a failed call\'s signed ret', () => {
  assert.is(formatPut(0x80000000, 0x1000n, 0x3e370003n, 0), render('spapr_iommu_pci_put', [0x80000000n, 0x1000n, 0x3e370003n, 0n]));
  assert.is(formatPut(0x71000002, 0x2000n, 0x3n, -4), render('spapr_iommu_put', [0x71000002n, 0x2000n, 0x3n, neg(-4)]));
  assert.is(formatGet(0x80000001, 0x800000000010000n, -4, 0n), render('spapr_iommu_pci_get', [0x80000001n, 0x800000000010000n, neg(-4), 0n]));
  assert.is(formatIndirect(0x80000000, 0x3000n, 0x101000n, 2, 0x1003n, 0), render('spapr_iommu_pci_indirect', [0x80000000n, 0x3000n, 0x101000n, 2n, 0x1003n, 0n]));
  assert.is(formatStuff(0x71000003, 0x40000n, 0n, 16, 0), render('spapr_iommu_stuff', [0x71000003n, 0x40000n, 0n, 16n, 0n]));
  // Calls without a table: a 64-bit LIOBN is printed as the guest passed it (QEMU traces the target_ulong).
  const rec = new LineRecorder();
  rec.putNoTable(0xdeadbeef71000002n, 0x1008n, 0x3n, -4);
  rec.getNoTable(0x80000005n, 0x0n, -4, 0n);
  assert.equal(rec.lines, [
    render('spapr_iommu_put', [0xdeadbeef71000002n, 0x1008n, 0x3n, neg(-4)]),
    render('spapr_iommu_pci_get', [0x80000005n, 0n, neg(-4), 0n]),
  ]);
});

test('new_table and the DDW lines: the declared formats (a 32-bit addr and liobn, a signed fd)', () => {
  assert.is(formatTraceEvent({ kind: 'new_table', liobn: 0x80000001, table: 0x7f3a5c000010n, fd: -1 }),
    render('spapr_iommu_new_table', [0x80000001n, 0x7f3a5c000010n, BigInt.asUintN(32, -1n)]));
  assert.is(formatTraceEvent({ kind: 'new_table', liobn: 0x80000000, table: 0x55d0c1b40020n, fd: 24 }),
    render('spapr_iommu_new_table', [0x80000000n, 0x55d0c1b40020n, 24n]));
  assert.is(formatTraceEvent({ kind: 'ddw_query', buid: 0x800000020000001n, addr: 0x10800, windowsAvailable: 1, maxWindowSize: 0x80000000n, mask: 0x107 }),
    render('spapr_iommu_ddw_query', [0x800000020000001n, 0x10800n, 1n, 0x80000000n, 0x107n]));
  assert.is(formatTraceEvent({ kind: 'ddw_create', buid: 0x800000020000000n, addr: 0, pageSize: 0x10000n, requested: 0x40000000n, startAddr: 0x800000000000000n, liobn: 0x80000001 }),
    render('spapr_iommu_ddw_create', [0x800000020000000n, 0n, 0x10000n, 0x40000000n, 0x800000000000000n, 0x80000001n]));
  assert.is(formatTraceEvent({ kind: 'ddw_remove', liobn: 0x80000101 }), render('spapr_iommu_ddw_remove', [0x80000101n]));
  assert.is(formatTraceEvent({ kind: 'ddw_reset', buid: 0x800000020000001n, addr: 0 }), render('spapr_iommu_ddw_reset', [0x800000020000001n, 0n]));
});

test('each rendered line parses back to its values, with and without the log backend\'s timestamp prefix', () => {
  const lines = [
    render('spapr_iommu_pci_stuff', [0x80000001n, 0x800000000040000n, 0n, 2n, 0n]),
    render('spapr_iommu_get', [0x71000002n, 0x1000n, neg(-4), 0n]),
    render('spapr_iommu_ddw_create', [0x800000020000001n, 0x10800n, 0x200000n, 0x80000000n, 0x800000000000000n, 0x80000101n]),
    render('spapr_iommu_ddw_query', [0x800000020000000n, 0n, 2n, 0x80000000n, 0x107n]),
    render('spapr_iommu_new_table', [0x80000100n, 0x7f3a5c300010n, BigInt.asUintN(32, -1n)]),
  ];
  for (const line of lines) {
    for (const text of [line, `4712@1700000001.000044:${line}`]) {
      const e = parseTraceLine(text);
      assert.is(e === null ? null : formatTraceEvent(e), line, text);
    }
  }
});

test.run();
