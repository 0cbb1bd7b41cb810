/**
 * Machine events in a run (`tcesim run --qemu-event CALL:OP:PHB[:GROUP]`): what a QEMU monitor
 * command would do to the machine — plug or unplug a VFIO device of IOMMU group GROUP into PHB
 * PHB, or reset the PHB — made at a chosen point of a vCPU's call stream. tcesim carries it in
 * that vCPU's frame in place of a call, so it reaches the QEMU model on its thread in order with
 * the calls around it. What makes it an event is the frame word F_MACHINE_EVENT (the event's
 * code, 1 hotplug-vfio, 2 unplug-vfio, 3 reset), which only tcesim's injection writes: a guest
 * hypercall with the event's opcode is an unknown hcall and gets H_FUNCTION. The opcode,
 * H_TCESIM_QEMU_EVENT (no TCE hcall), makes the kernel tiers pass the event on
 * (`not-tce-hcall`); r4 = the event code again (for the log), r5 = the PHB index, r6 = the
 * group. Answers H_SUCCESS, or H_PARAMETER for a PHB the machine does not model or an unplug of
 * a device that is not there. Runs in: userspace (the main thread).
 */
import { F_ARG_LO, F_IOBA_LO, u32 } from '../papr/frame.js';
import { F_MACHINE_EVENT } from '../shared-memory/frame-slots.js';
import { H_PARAMETER, H_SUCCESS } from '../papr/return-codes.js';
import type { SpaprIommu } from './spapr-iommu.js';

/** The opcode a machine event's frame carries (not a PAPR hypercall); a guest call with it gets H_FUNCTION. */
export const H_TCESIM_QEMU_EVENT = 0xf0f1;

export const QEMU_EVENT_OPS = ['hotplug-vfio', 'unplug-vfio', 'reset'] as const;
export type QemuEventOp = (typeof QEMU_EVENT_OPS)[number];

export function qemuEventCode(op: QemuEventOp): number {
  return QEMU_EVENT_OPS.indexOf(op) + 1;
}

export function userspaceQemuEvent(q: SpaprIommu, f: Int32Array): number {
  const op = QEMU_EVENT_OPS[u32(f, F_MACHINE_EVENT) - 1];
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
