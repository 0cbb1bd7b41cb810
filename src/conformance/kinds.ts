/**
 * Every step kind, machine field and final check the conformance format has, registered once.
 * A new part of the format is a new file that registers itself, imported here.
 */
import { callStepKind } from './call-step.js';
import { qemuStepKind } from './qemu-step.js';
import { rtasStepKind } from './rtas-step.js';
import { registerStepKind } from './step-kinds.js';

registerStepKind(callStepKind);
registerStepKind(rtasStepKind);
registerStepKind(qemuStepKind);
