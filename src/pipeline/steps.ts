/**
 * One hypercall's journey, split where it changes threads: the vCPU step (entry and real
 * mode, on the vCPU thread), the kernel step (virtual mode, on a pool worker) and the
 * userspace step (the QEMU model, on the main thread). The threaded pipeline runs each on its
 * own thread; the inline pipeline runs them one after the other. Either way each step logs
 * what it did: the entry, every escalation with its reason, every table write, one completion.
 *
 * As in KVM every call that leaves real mode passes the kernel step, which alone exits to
 * userspace: in mode userspace it handles nothing (there is no in-kernel table) but logs what
 * real mode could not and adds the kernel entry's modelled cost. That pass-through cannot
 * sleep for anything, so the threaded pipeline runs it on the main thread just before the
 * userspace step (vcpu-worker.ts) rather than paying a pool hop for it.
 */
import { F_OPCODE, F_OUT_HI, F_OUT_LO, F_REASON, F_RET, F_SEQ, F_TIER, F_VCPU, clearFrameOutputs } from '../papr/frame.js';
import { F_ATTEMPT, F_CLOCK_F64, F_COST_F64, F_PENDING, F_PENDING_REASON, F_WALL_F64 } from '../shared-memory/frame-slots.js';
import { REASON_LOG_FULL } from '../papr/reasons.js';
import { H_GET_TCE, H_PUT_TCE, H_STUFF_TCE } from '../papr/hcalls.js';
import { H_SUCCESS, H_TOO_HARD } from '../papr/return-codes.js';
import { TIER_REALMODE, TIER_USERSPACE, TIER_VIRTMODE } from '../papr/tiers.js';
import { realmodeHGetTceLogged } from '../realmode/h-get-tce.js';
import { realmodeHPutTceLogged } from '../realmode/h-put-tce.js';
import { realmodeHcall } from '../realmode/hcall.js';
import { realmodeHStuffTceLogged } from '../realmode/h-stuff-tce.js';
import type { EventWriter } from '../events/writer.js';
import type { TceTables } from '../shared-memory/tce-tables.js';
import type { HcallTable } from '../userspace/hcall-table.js';
import type { SpaprIommu } from '../userspace/spapr-iommu.js';
import { virtmodeHcall } from '../virtmode/hcall.js';
import type { TierMeter } from './costs.js';

/** What a step leaves the call in. */
export const STEP_ANSWERED = 0;
export const STEP_NEXT = 1;

/** F_PENDING bits: records a thread that may not wait could not append. */
const PENDING_ENTER = 1;
const PENDING_ESCALATE = 2;
const PENDING_COMPLETE = 4;

/** One thread's view: its tables (whose writeLog is `w`), its log writer and its meter. */
export interface StepContext {
  readonly t: TceTables;
  readonly w: EventWriter;
  readonly meter: TierMeter;
}

/** Frames hold Float64 fields; a frame's Float64 view has FRAME_WORDS / 2 slots. */
export type FrameF64 = Float64Array;

/** performance.timeOrigin is a getter that makes a new number on every read: read it once. */
const TIME_ORIGIN_MS = performance.timeOrigin;

export function wallNowMs(): number {
  return TIME_ORIGIN_MS + performance.now();
}

/**
 * vCPU thread: the call enters (logged), then real mode runs when the mode starts there.
 * STEP_ANSWERED: f[F_RET] is the guest's answer. STEP_NEXT: the call must go to the kernel step.
 * Allocation-free.
 */
export function vcpuStep(c: StepContext, firstTier: number, f: Int32Array, fd: FrameF64, clockNs: number): number {
  if (firstTier === TIER_REALMODE && realmodeFastCall(c, f, fd, clockNs)) return STEP_ANSWERED;
  clearFrameOutputs(f);
  f[F_PENDING] = 0;
  f[F_ATTEMPT] = 0;
  fd[F_COST_F64] = 0;
  fd[F_CLOCK_F64] = clockNs;
  const w = c.w;
  w.bind(f[F_VCPU] as number, f[F_SEQ] as number, firstTier);
  if (!w.enter(f, 0, firstTier, clockNs)) {
    f[F_PENDING] = PENDING_ENTER;
    if (firstTier === TIER_REALMODE) {
      // Real mode cannot even log that it started: it gives up before touching anything.
      fd[F_COST_F64] = c.meter.costs.realmodeEntry;
      f[F_PENDING] = PENDING_ENTER | PENDING_ESCALATE;
      f[F_PENDING_REASON] = REASON_LOG_FULL;
    }
    return STEP_NEXT;
  }
  if (firstTier !== TIER_REALMODE) return STEP_NEXT;
  const t = c.t;
  c.meter.mark(t);
  const ret = realmodeHcall(t, f);
  fd[F_COST_F64] = c.meter.cost(TIER_REALMODE, t);
  if (ret !== H_TOO_HARD) {
    f[F_RET] = ret;
    f[F_TIER] = TIER_REALMODE;
    if (!w.complete(TIER_REALMODE, ret, f[F_OUT_LO] as number, f[F_OUT_HI] as number, fd[F_COST_F64] as number, -1)) {
      f[F_PENDING] = PENDING_COMPLETE;
      return STEP_NEXT;
    }
    return STEP_ANSWERED;
  }
  if (!w.escalate(TIER_REALMODE, f[F_REASON] as number, TIER_VIRTMODE, fd[F_COST_F64] as number)) {
    f[F_PENDING] = PENDING_ESCALATE;
    f[F_PENDING_REASON] = f[F_REASON] as number;
  }
  return STEP_NEXT;
}

/**
 * Real mode's fast path for H_PUT_TCE and H_GET_TCE (src/realmode/fast-path.ts): the call is
 * answered H_SUCCESS and logged as one CALL record, or nothing happened and it goes the full way.
 */
function realmodeFastCall(c: StepContext, f: Int32Array, fd: FrameF64, clockNs: number): boolean {
  const op = f[F_OPCODE];
  const cost = c.meter.realmodeOneEntry;
  if (op === H_PUT_TCE) {
    if (!realmodeHPutTceLogged(c.t, c.w, f, clockNs, cost)) return false;
    f[F_OUT_LO] = 0;
    f[F_OUT_HI] = 0;
  } else if (op === H_GET_TCE) {
    if (!realmodeHGetTceLogged(c.t, c.w, f, clockNs, cost)) return false;
  } else if (op === H_STUFF_TCE) {
    return realmodeClearCall(c, f, fd, clockNs);
  } else {
    return false;
  }
  // The outputs the vCPU reads; the bookkeeping fields matter only to calls that leave real mode.
  f[F_RET] = H_SUCCESS;
  f[F_TIER] = TIER_REALMODE;
  fd[F_COST_F64] = cost;
  return true;
}

/**
 * Real mode's fast path for a clear (src/realmode/h-stuff-tce.ts): ENTER, the writes and
 * COMPLETE logged in one reservation, the cost reckoned as the full way does.
 */
function realmodeClearCall(c: StepContext, f: Int32Array, fd: FrameF64, clockNs: number): boolean {
  const t = c.t;
  c.w.bind(f[F_VCPU] as number, f[F_SEQ] as number, TIER_REALMODE);
  c.meter.mark(t);
  if (!realmodeHStuffTceLogged(t, c.w, f, clockNs)) return false;
  const cost = c.meter.cost(TIER_REALMODE, t);
  f[F_RET] = H_SUCCESS;
  f[F_OUT_LO] = 0;
  f[F_OUT_HI] = 0;
  f[F_TIER] = TIER_REALMODE;
  fd[F_COST_F64] = cost;
  c.w.fillComplete(c.w.callLast, TIER_REALMODE, H_SUCCESS, 0, 0, cost, -1);
  return true;
}

/** Append what an earlier tier could not; the caller's writer may wait. */
function flushPending(w: EventWriter, firstTier: number, f: Int32Array, fd: FrameF64): void {
  const pending = f[F_PENDING] as number;
  if (pending === 0) return;
  w.bind(f[F_VCPU] as number, f[F_SEQ] as number, firstTier);
  if ((pending & PENDING_ENTER) !== 0) w.enter(f, 0, firstTier, fd[F_CLOCK_F64] as number);
  if ((pending & PENDING_ESCALATE) !== 0) w.escalate(TIER_REALMODE, f[F_PENDING_REASON] as number, TIER_VIRTMODE, fd[F_COST_F64] as number);
  if ((pending & PENDING_COMPLETE) !== 0) {
    w.complete(TIER_REALMODE, f[F_RET] as number, f[F_OUT_LO] as number, f[F_OUT_HI] as number, fd[F_COST_F64] as number, -1);
  }
  f[F_PENDING] = 0;
}

/**
 * Kernel thread (a virtual-mode pool worker): write what real mode could not log; then, unless
 * the mode has no in-kernel tables, run virtual mode. Its writer may wait.
 */
export function kernelStep(c: StepContext, firstTier: number, f: Int32Array, fd: FrameF64): number {
  const w = c.w;
  const answeredInRealMode = ((f[F_PENDING] as number) & PENDING_COMPLETE) !== 0;
  flushPending(w, firstTier, f, fd);
  if (answeredInRealMode) return STEP_ANSWERED;
  if (firstTier === TIER_USERSPACE) {
    // No in-kernel table: the kernel's hcall dispatcher passes the call on to userspace.
    fd[F_COST_F64] = (fd[F_COST_F64] as number) + c.meter.costs.virtmodeEntry;
    return STEP_NEXT;
  }
  w.bind(f[F_VCPU] as number, f[F_SEQ] as number, TIER_VIRTMODE);
  const t = c.t;
  clearFrameOutputs(f);
  c.meter.mark(t);
  const ret = virtmodeHcall(t, f);
  fd[F_COST_F64] = (fd[F_COST_F64] as number) + c.meter.cost(TIER_VIRTMODE, t);
  if (ret !== H_TOO_HARD) {
    f[F_RET] = ret;
    f[F_TIER] = TIER_VIRTMODE;
    w.complete(TIER_VIRTMODE, ret, f[F_OUT_LO] as number, f[F_OUT_HI] as number, fd[F_COST_F64] as number, wallUs(fd));
    return STEP_ANSWERED;
  }
  w.escalate(TIER_VIRTMODE, f[F_REASON] as number, TIER_USERSPACE, fd[F_COST_F64] as number);
  return STEP_NEXT;
}

/** Main thread: the QEMU model answers. Its writer drains the ring itself when it is full. */
export function userspaceStep(c: StepContext, qemu: SpaprIommu, hcalls: HcallTable, f: Int32Array, fd: FrameF64): void {
  const w = c.w;
  w.bind(f[F_VCPU] as number, f[F_SEQ] as number, TIER_USERSPACE);
  const t = c.t;
  clearFrameOutputs(f);
  c.meter.mark(t);
  const ret = hcalls.call(qemu, f);
  fd[F_COST_F64] = (fd[F_COST_F64] as number) + c.meter.cost(TIER_USERSPACE, t);
  f[F_RET] = ret;
  f[F_TIER] = TIER_USERSPACE;
  w.complete(TIER_USERSPACE, ret, f[F_OUT_LO] as number, f[F_OUT_HI] as number, fd[F_COST_F64] as number, wallUs(fd));
}

function wallUs(fd: FrameF64): number {
  const start = fd[F_WALL_F64] as number;
  return start > 0 ? (wallNowMs() - start) * 1000 : -1;
}
