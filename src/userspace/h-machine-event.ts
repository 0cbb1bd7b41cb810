/**
 * Machine events in a run (`tcesim run --qemu-event CALL:OP:PHB[:GROUP]`): what a QEMU monitor
 * command would do to the machine — plug or unplug a VFIO device of IOMMU group GROUP into PHB
 * PHB, or reset the PHB — made at a chosen point of a vCPU's call stream. tcesim carries it as a
 * private hypercall, H_TCESIM_QEMU_EVENT, so it reaches the QEMU model on its thread in order
 * with the calls around it: the kernel tiers pass it on (`not-tce-hcall`) and this handler does
 * it. r4 = the event (1 hotplug-vfio, 2 unplug-vfio, 3 reset), r5 = the PHB index, r6 = the
 * group. Answers H_SUCCESS, or H_PARAMETER for a PHB the machine does not model or an unplug
 * of a device that is not there. Runs in: userspace (the main thread).
 */
import { F_ARG_LO, F_IOBA_LO, F_LIOBN_LO, u32 } from '../papr/frame.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import type { SpaprIommu } from './spapr-iommu.js';

/** tcesim's private opcode for a machine event (not a PAPR hypercall: no guest makes it). */
export const H_TCESIM_QEMU_EVENT = 0xf0f1;

export const QEMU_EVENT_OPS = ['hotplug-vfio', 'unplug-vfio', 'reset'] as const;
export type QemuEventOp = (typeof QEMU_EVENT_OPS)[number];

export function qemuEventCode(op: QemuEventOp): number {
  return QEMU_EVENT_OPS.indexOf(op) + 1;
}

export function userspaceQemuEvent(q: SpaprIommu, f: Int32Array): number {
  const op = QEMU_EVENT_OPS[u32(f, F_LIOBN_LO) - 1];
  const phb = q.phbs.find((p) => p.config.index === u32(f, F_IOBA_LO));
  if (op === undefined || phb === undefined) return H_PARAMETER;
  const group = u32(f, F_ARG_LO);
  switch (op) {
    case 'hotplug-vfio':
      q.hotplugVfio(phb, group);
      return H_SUCCESS;
    case 'unplug-vfio':
      return q.unplugVfio(phb, group) === null ? H_SUCCESS : H_PARAMETER;
    case 'reset':
      q.phbDmaReset(phb);
      return H_SUCCESS;
    default: {
      const never: never = op;
      throw new Error(`unknown machine event ${String(never)}`);
    }
  }
}
