/**
 * Machine events at chosen calls (`tcesim run --qemu-event CALL:OP:PHB[:GROUP]`): vCPU 0 makes
 * the event (src/userspace/h-machine-event.ts) as its call number CALL (0-based), in place of
 * a workload call, so the workload's calls after it come one later. The event is marked by the
 * frame word F_MACHINE_EVENT, which no workload (the guest) writes. Carried to the vCPUs in
 * the workload parameter `qemu-events` (items joined with `+`).
 */
import { H_TCESIM_QEMU_EVENT, QEMU_EVENT_OPS, qemuEventCode, type QemuEventOp } from '../userspace/h-machine-event.js';
import { F_MACHINE_EVENT } from '../shared-memory/frame-slots.js';
import { setCall } from './frame-args.js';
import type { Workload, WorkloadParams } from './workload.js';

export const QEMU_EVENTS_PARAM = 'qemu-events';

export interface QemuEvent {
  readonly atCall: number;
  readonly op: QemuEventOp;
  readonly phb: number;
  readonly group: number;
}

/** One `CALL:OP:PHB[:GROUP]`; throws a RangeError naming the bad part. */
export function parseQemuEvent(text: string): QemuEvent {
  const parts = text.split(':');
  const [at, op, phb, group] = parts;
  const num = (what: string, v: string | undefined, max: number): number => {
    const n = v !== undefined && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n > max) throw new RangeError(`qemu event ${JSON.stringify(text)}: ${what} ${JSON.stringify(v ?? '')} must be a whole number up to ${max}`);
    return n;
  };
  if (parts.length < 3 || parts.length > 4) throw new RangeError(`qemu event ${JSON.stringify(text)} must be CALL:OP:PHB[:GROUP] (e.g. 1000:hotplug-vfio:0:1)`);
  if (!(QEMU_EVENT_OPS as readonly string[]).includes(op as string)) {
    throw new RangeError(`qemu event ${JSON.stringify(text)}: ${JSON.stringify(op)} is not one of ${QEMU_EVENT_OPS.join(', ')}`);
  }
  const o = op as QemuEventOp;
  if (o !== 'reset' && group === undefined) throw new RangeError(`qemu event ${JSON.stringify(text)}: ${o} needs the device's IOMMU group (CALL:${o}:PHB:GROUP)`);
  if (o === 'reset' && group !== undefined) throw new RangeError(`qemu event ${JSON.stringify(text)}: reset takes no group`);
  return { atCall: num('CALL', at, 2 ** 40), op: o, phb: num('PHB', phb, 255), group: group === undefined ? 0 : num('GROUP', group, 0x7fffffff) };
}

/** The workload parameter's events, in call order; two at one call are refused. */
export function qemuEventsOf(params: WorkloadParams): QemuEvent[] {
  const text = Object.hasOwn(params, QEMU_EVENTS_PARAM) ? params[QEMU_EVENTS_PARAM] : undefined;
  if (text === undefined || text === '') return [];
  const events = text.split('+').map(parseQemuEvent).sort((a, b) => a.atCall - b.atCall);
  events.forEach((e, i) => {
    if (i > 0 && events[i - 1]!.atCall === e.atCall) throw new RangeError(`two qemu events at call ${e.atCall}`);
  });
  return events;
}

/** vCPU 0's workload with the run's machine events in its call stream; other vCPUs' as they are. */
export function withQemuEvents(w: Workload, params: WorkloadParams, vcpu: number): Workload {
  const events = vcpu === 0 ? qemuEventsOf(params) : [];
  if (events.length === 0) return w;
  let call = 0;
  let next = 0;
  let inEvent = false;
  return {
    get mappedBytes() { return inEvent ? 0 : w.mappedBytes; },
    get guestNs() { return inEvent ? 0 : w.guestNs; },
    next(f: Int32Array): void {
      const e = events[next];
      inEvent = e !== undefined && e.atCall === call;
      call++;
      if (inEvent && e !== undefined) {
        next++;
        setCall(f, H_TCESIM_QEMU_EVENT, qemuEventCode(e.op), 0, e.phb, 0, e.group, 0);
        f[F_MACHINE_EVENT] = qemuEventCode(e.op);
        return;
      }
      // Cleared before the guest's own call: only an injected event carries it.
      f[F_MACHINE_EVENT] = 0;
      w.next(f);
    },
    answered(f: Int32Array): void {
      if (!inEvent) w.answered?.(f);
    },
  };
}
