/**
 * Every step kind, machine field and final check the conformance format has, registered once.
 * A new part of the format is a new file that registers itself, imported here.
 */
import { callStepKind } from './call-step.js';
import { qemuStepKind } from './qemu-step.js';
import { rtasStepKind } from './rtas-step.js';
import { registerFinalCheck, registerMachineField, registerStepKind } from './step-kinds.js';
import { finalHardwareCheck, finalHostCheck } from './vfio-v2-host-final.js';
import { groupsMachineField, hostMachineField } from './vfio-v2-host-machine.js';
import { kvmStepKind, vfioStepKind } from './vfio-v2-host-steps.js';

registerStepKind(callStepKind);
registerStepKind(rtasStepKind);
registerStepKind(qemuStepKind);
// Host side (format /2): machine.host, machine.groups, vfio and kvm steps, finalHardware, finalHost.
registerMachineField(hostMachineField);
registerMachineField(groupsMachineField);
registerStepKind(vfioStepKind);
registerStepKind(kvmStepKind);
registerFinalCheck(finalHardwareCheck);
registerFinalCheck(finalHostCheck);
