/**
 * The conformance framework's extension points. A step is a JSON object with exactly one of
 * the registered step keys (`call`, `rtas`, `qemu`, and whatever else registers: `vfio`, `kvm`);
 * a machine may have registered fields beyond the built-in ones; a vector may end with
 * registered final-state checks (`finalHardware`, `finalHost`). Each part lives in its own
 * file and registers itself (src/conformance/kinds.ts imports them all), so adding one is a
 * new file and one import line.
 */
import type { Mode } from '../papr/tiers.js';
import type { Machine } from '../pipeline/machine.js';
import type { MachineConfig } from '../pipeline/machine-config.js';
import type { Reader } from './values.js';

/** Format versions: 1 (`tcesim-conformance/1`), 2 (`/2`). */
export type FormatVersion = 1 | 2;

/** What a parser knows about the vector it reads. */
export interface ParseEnv {
  readonly format: FormatVersion;
  readonly modes: readonly Mode[];
  readonly fail: Reader;
  /** The parsed machine (steps may check what they name against it). */
  readonly machine: MachineConfig;
}

/** One run of a vector in one mode: the machine, and state extensions keep per run (by key). */
export interface RunState {
  readonly machine: Machine;
  readonly mode: Mode;
  readonly ext: Map<string, unknown>;
}

/** A parsed step; run() makes it happen and answers every mismatch (none: it passed). */
export interface VectorStep {
  /** Its step key: `call`, `rtas`, ... */
  readonly kind: string;
  run(s: RunState, index: number): string[];
}

export interface StepKind {
  /** The field that names a step of this kind. */
  readonly key: string;
  /** The first format version that has it. */
  readonly since: FormatVersion;
  parse(v: Record<string, unknown>, where: string, env: ParseEnv): VectorStep;
}

/** A machine field beyond ramBytes/hostPageShift/inKernelMultiTce/rangeCheck/tables/phbs. */
export interface MachineField {
  readonly key: string;
  readonly since: FormatVersion;
  /** Store the parsed value in `m`. */
  parse(v: unknown, where: string, fail: Reader, m: MachineConfig): void;
}

/** A top-level check of the state after the last step (like finalTables). */
export interface FinalCheck {
  readonly key: string;
  readonly since: FormatVersion;
  parse(v: unknown, where: string, env: ParseEnv): (s: RunState) => string[];
}

const stepKinds = new Map<string, StepKind>();
const machineFields = new Map<string, MachineField>();
const finalChecks = new Map<string, FinalCheck>();

function once<T>(m: Map<string, T>, key: string, what: string, value: T): void {
  if (m.has(key)) throw new Error(`conformance ${what} ${JSON.stringify(key)} is registered twice`);
  m.set(key, value);
}

export function registerStepKind(k: StepKind): void {
  once(stepKinds, k.key, 'step kind', k);
}
export function registerMachineField(f: MachineField): void {
  once(machineFields, f.key, 'machine field', f);
}
export function registerFinalCheck(c: FinalCheck): void {
  once(finalChecks, c.key, 'final check', c);
}

export function registeredStepKinds(): ReadonlyMap<string, StepKind> {
  return stepKinds;
}
export function machineFieldsFor(format: FormatVersion): MachineField[] {
  return [...machineFields.values()].filter((f) => f.since <= format);
}
export function finalChecksFor(format: FormatVersion): FinalCheck[] {
  return [...finalChecks.values()].filter((c) => c.since <= format);
}
