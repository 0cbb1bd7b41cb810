/**
 * A run whose machine events (--qemu-event) name a PHB needs QEMU's model of it. A workload's
 * static table that is that PHB's default window (LIOBN 0x80000000 | phb << 8, 4 KiB pages)
 * becomes the PHB's default window, with its offset and size; a PHB with no such table gets
 * QEMU's defaults. Answers the static tables left; adds the PHBs to `phbs`.
 */
import type { TableConfig } from '../pipeline/machine-config.js';
import type { QemuEvent } from '../workload/qemu-events.js';
import { defaultPhbConfig, phbLiobn, type PhbConfig } from './spapr-phb.js';

export function phbsForEvents(tables: readonly TableConfig[], phbs: PhbConfig[], events: readonly QemuEvent[]): TableConfig[] {
  let left = [...tables];
  for (const e of events) {
    if (phbs.some((p) => p.index === e.phb)) continue;
    const w0 = left.find((t) => t.liobn === phbLiobn(e.phb, 0) && t.pageShift === 12);
    if (left.some((t) => t.liobn === phbLiobn(e.phb, 1))) throw new RangeError(`PHB ${e.phb}: the workload has a table with its second window's LIOBN 0x${phbLiobn(e.phb, 1).toString(16)}`);
    left = left.filter((t) => t !== w0);
    phbs.push(w0 === undefined ? defaultPhbConfig(e.phb) : { ...defaultPhbConfig(e.phb), dmaWinAddr: w0.busOffset, dmaWinSize: BigInt(w0.entries) << 12n });
  }
  return left;
}
