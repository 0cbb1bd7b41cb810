/**
 * What setting up a PAMU domain costs on the modelled clock, from the pipeline's cost table
 * (src/pipeline/costs.ts) with no cost of its own: PAMU pays at setup what sPAPR TCE pays per
 * mapping. The mapping of PAMU's steps onto the table's costs is an ASSUMPTION, stated per term:
 *
 * - each ioctl costs `vfioIoctl` (a system call round trip into VFIO), as the sPAPR TCE VFIO
 *   machines of `tcesim gain` pay it;
 * - each host page pinned (4 KiB on PAMU's e500 hosts) costs `pinPage`, as a v1 map or a v2
 *   preregistration pays it per page there;
 * - each window enabled writes one hardware entry (a PAMU sub-window entry): `hwEntry`.
 *
 * Nothing here is tuned to reproduce a figure.
 * Runs in: host model only.
 */
import type { CostTable } from '../../pipeline/costs.js';
import type { VfioPamuContainer } from './vfio-pamu-container.js';

export interface PamuSetupCost {
  readonly ioctls: number;
  readonly pinnedPages: number;
  readonly windowsEnabled: number;
  readonly ioctlNs: number;
  readonly pinNs: number;
  readonly windowNs: number;
  readonly totalNs: number;
}

/** The cost of everything `container` has been asked so far (call it right after the setup). */
export function pamuSetupCost(container: VfioPamuContainer, costs: CostTable): PamuSetupCost {
  const ioctls = [...container.ioctlCounts().values()].reduce((a, b) => a + b, 0);
  const pinnedPages = container.dmaWindows().reduce((n, w) => n + w.pages, 0);
  const windowsEnabled = container.domain.mappedCount;
  const ioctlNs = ioctls * costs.vfioIoctl;
  const pinNs = pinnedPages * costs.pinPage;
  const windowNs = windowsEnabled * costs.hwEntry;
  return { ioctls, pinnedPages, windowsEnabled, ioctlNs, pinNs, windowNs, totalNs: ioctlNs + pinNs + windowNs };
}
