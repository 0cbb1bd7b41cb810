/**
 * `tcesim pamu [LAYOUT.json]`: a PAMU domain built through the VFIO container (the RFC's
 * "type 2"), shown as seed 001's table with what the windows hold and pin. With no file it
 * builds the seed's example. A layout the container refuses is one line naming the ioctl, the
 * rule broken and the errno, exit 2: the same as any misuse of the command line.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildPamuContainer, type PamuContainerLayout } from '../host/pamu/container-layout.js';
import { LayoutFileError, parsePamuLayout } from '../host/pamu/layout-file.js';
import { SEED_001_CONTAINER_LAYOUT } from '../host/pamu/seed-001.js';
import { formatSize, renderPamuTable } from '../host/pamu/table.js';
import type { VfioPamuContainer } from '../host/pamu/vfio-pamu-container.js';
import { UsageError } from './usage-error.js';

export const PAMU_HELP = `tcesim pamu [LAYOUT.json]

Builds a Freescale PAMU domain through the modelled VFIO container (seed 001's "type 2":
SET_ATTR geometry and windows, MAP_DMA per guest RAM range, MAP_MSI_BANK per MSI window) and
prints it as the seed's table: window, iova, physical address, size, what it holds. Then the
windows by content and the memory they pin. With no file: the seed's example, a 256 MB guest in a
512 MB aperture of 8 windows (4 x 64 MB RAM, 3 MSI banks, 1 disabled).

LAYOUT.json is a "tcesim-pamu-layout/1" file (docs/pamu.md; examples/pamu-seed-001.json).
A layout PAMU refuses prints one line: the ioctl, the rule broken and its errno, e.g.
  tcesim: bad.json: refused by VFIO_IOMMU_SET_ATTR windows: window count 6 is not a power of two (EINVAL)
Exit codes: 0 built; 2 a refused layout, a file that is not a layout, or misuse.`;

function readLayout(path: string): PamuContainerLayout {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    throw new UsageError(code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path}: is a folder, not a layout file` : `${path}: cannot read (${code || String(e)})`);
  }
  try {
    return parsePamuLayout(text, path);
  } catch (e) {
    if (e instanceof LayoutFileError) throw new UsageError(e.message);
    throw e;
  }
}

/** What the windows hold and pin, below the table. */
function summary(container: VfioPamuContainer): string[] {
  const windows = container.domain.windows();
  const dma = container.dmaWindows();
  const msi = windows.filter((w) => w.mapping?.msi).length;
  const disabled = windows.filter((w) => !w.mapping).length;
  const pinned = dma.reduce((sum, w) => sum + w.size, 0n);
  const limit = container.locked.limitBytes;
  return [
    '',
    `windows: ${dma.length} guest RAM, ${msi} MSI bank, ${disabled} disabled (of ${windows.length}); DMA ${container.domain.enabled ? 'enabled' : 'disabled'}`,
    `pinned for the guest's lifetime: ${formatSize(pinned)} in ${dma.length} windows, ${container.memory.pinnedPages} host pages of 4 KiB`,
    `locked memory: ${formatSize(container.locked.bytes)} charged, limit ${limit === undefined ? 'none (CAP_IPC_LOCK)' : formatSize(limit)}`,
  ];
}

export function pamuCommand(argv: string[], out: (line: string) => void): number {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {} });
  if (positionals.length > 1) throw new UsageError(`pamu takes at most one layout file, got ${positionals.join(' ')}`);
  const path = positionals[0];
  const layout = path === undefined ? SEED_001_CONTAINER_LAYOUT : readLayout(path);
  const name = path ?? 'seed 001';
  let built;
  try {
    built = buildPamuContainer(layout);
  } catch (e) {
    // The process-memory model refuses backing it cannot represent (a caller's description bug).
    if (e instanceof RangeError) throw new UsageError(`${name}: ${e.message}`);
    throw e;
  }
  if (!built.ok) throw new UsageError(`${name}: refused by ${built.step}: ${built.reason} (${built.errno})`);
  out(`PAMU domain: ${name}, through the VFIO container`);
  out('');
  for (const line of renderPamuTable(built.container.domain).split('\n')) out(line);
  for (const line of summary(built.container)) out(line);
  built.container.release();
  return 0;
}
