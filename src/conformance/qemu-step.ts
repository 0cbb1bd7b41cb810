/**
 * The `qemu` step (format /2): a machine event. `reset`: the PHB's DMA reset (windows back to
 * the default one, tables dropped without notifications). `hotplug-vfio` / `unplug-vfio`: a
 * device of IOMMU group `group` is plugged into / unplugged from the PHB; the first one moves
 * the PHB's kernel tables to userspace and replays their live mappings (seed 004).
 */
import type { ParseEnv, RunState, StepKind, VectorStep } from './step-kinds.js';
import { checkFields, parseSmallInt, parseString, type Reader } from './values.js';

export const QEMU_OPS = ['hotplug-vfio', 'unplug-vfio', 'reset'] as const;
export type QemuOp = (typeof QEMU_OPS)[number];

export interface QemuStep extends VectorStep {
  readonly kind: 'qemu';
  readonly op: QemuOp;
  readonly phb: number;
  /** The IOMMU group of the device (hotplug-vfio, unplug-vfio); -1 for reset. */
  readonly group: number;
}

function parseQemu(v: Record<string, unknown>, where: string, env: ParseEnv): QemuStep {
  const fail: Reader = env.fail;
  const op = v.qemu;
  if (typeof op !== 'string' || !(QEMU_OPS as readonly string[]).includes(op)) fail(`${where}.qemu`, `${JSON.stringify(op)} is not one of ${QEMU_OPS.join(', ')}`);
  const qop = op as QemuOp;
  checkFields(v, qop === 'reset' ? ['qemu', 'phb', 'note'] : ['qemu', 'phb', 'group', 'note'], where, fail);
  if (v.phb === undefined) fail(`${where}.phb`, 'is required');
  const phb = parseSmallInt(v.phb, `${where}.phb`, fail, 0, 255);
  if (!env.machine.phbs.some((p) => p.index === phb)) fail(`${where}.phb`, `${phb} is not one of machine.phbs`);
  let group = -1;
  if (qop !== 'reset') {
    if (v.group === undefined) fail(`${where}.group`, `is required for ${qop}`);
    group = parseSmallInt(v.group, `${where}.group`, fail, 0, 0x7fffffff);
  }
  if (v.note !== undefined) parseString(v.note, `${where}.note`, fail);
  return {
    kind: 'qemu', op: qop, phb, group,
    run(s: RunState, i: number): string[] {
      return runQemu(this, s, i);
    },
  };
}

function runQemu(step: QemuStep, s: RunState, i: number): string[] {
  const q = s.machine.qemu;
  const phb = q.phbs.find((p) => p.config.index === step.phb);
  if (phb === undefined) return [`step ${i} qemu ${step.op}: no PHB ${step.phb}`];
  switch (step.op) {
    case 'reset':
      q.phbDmaReset(phb);
      return [];
    case 'hotplug-vfio':
      q.hotplugVfio(phb, step.group);
      return [];
    case 'unplug-vfio': {
      const problem = q.unplugVfio(phb, step.group);
      return problem === null ? [] : [`step ${i} qemu unplug-vfio: ${problem}`];
    }
    default: {
      const never: never = step.op;
      return [`step ${i}: unknown qemu op ${String(never)}`];
    }
  }
}

export const qemuStepKind: StepKind = { key: 'qemu', since: 2, parse: parseQemu };
