/**
 * Decoded log events to Chrome trace events, call by call, on the modelled timeline.
 *
 * A call's records arrive interleaved with other vCPUs' (the ring holds every thread's), so
 * each call is gathered until its completion and then drawn at once: at most one open call per
 * vCPU, so memory does not grow with the log. Times come from the log alone: the ENTER record
 * holds the vCPU's modelled clock when the call entered, each ESCALATE the call's modelled cost
 * so far, COMPLETE its total cost. A tier therefore runs from the clock plus the cost before it
 * to the clock plus the cost when it gave up or answered, and the tiers of a call tile its span
 * exactly. Real mode's one-record calls (CALL) carry the same clock and cost. Deterministic
 * for a seed, like every modelled figure.
 */
import type { Escalated, HcallCompleted, HcallEntered, Retried, TableFill, TableWrite, TcesimEvent, ThreadRef } from '../events/events.js';
import type { ReasonName } from '../papr/reasons.js';
import type { TierName } from '../papr/tiers.js';
import { hex } from '../papr/u64.js';
import { nsToUs, spanUs, type TraceArgValue, type TraceSink } from './trace-events.js';
import { TrackMap } from './tracks.js';

/** Table writes a tier span lists in its arguments; the rest are counted only (an H_STUFF_TCE may write millions). */
const LISTED_WRITES = 4;

/** A worker death during a tier, and the writes that tier had made before it died. */
interface CrashNote {
  readonly retried: Retried;
  readonly writes: number;
  readonly hwWrites: number;
  /** The thread that made those writes (the worker that died), when it made any. */
  readonly crashed: ThreadRef | null;
}

/** One tier tried for a call. */
interface TierRun {
  readonly tier: TierName;
  /** The call's modelled cost when this tier started. */
  readonly startNs: number;
  endNs: number;
  /** The thread that wrote the record ending the tier. */
  endThread: ThreadRef | null;
  escalation: Escalated | null;
  writes: number;
  hwWrites: number;
  listed: string[];
  writer: ThreadRef | null;
  readonly crashes: CrashNote[];
}

interface OpenCall {
  readonly entered: HcallEntered;
  readonly tiers: TierRun[];
}

export interface TimelineCounts {
  /** Calls drawn: one span each. */
  readonly calls: number;
  readonly tierSpans: number;
  /** Escalation instants by reason. */
  readonly escalations: Readonly<Partial<Record<ReasonName, number>>>;
  /** Retry instants (a worker died and the tier was tried again). */
  readonly retries: number;
  /** Calls entered (within the limit) that the log never completes: a killed run. Not drawn. */
  readonly incomplete: number;
  /** Decoded events of calls not drawn: beyond the limit, or (in a damaged log) with no entry before them. */
  readonly skippedEvents: number;
  readonly tracks: number;
}

/** A bigint as a number when it is one exactly, else as its decimal string. */
function count(v: bigint): TraceArgValue {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

const VCPU_THREAD = (vcpu: number): ThreadRef => ({ kind: 'vcpu', id: vcpu });

function threadLabel(t: ThreadRef): string {
  return t.kind === 'vcpu' ? `vCPU ${t.id}` : t.kind === 'main' ? 'main thread' : `pool worker ${t.id}`;
}

export class CallTimeline {
  private readonly open = new Map<number, OpenCall>();
  private readonly tracks: TrackMap;
  private entered = 0;
  private calls = 0;
  private tierSpans = 0;
  private retries = 0;
  private skipped = 0;
  private readonly escalations: Partial<Record<ReasonName, number>> = {};

  /** `limit`: draw only the first `limit` calls the log enters (null: all). */
  constructor(private readonly sink: TraceSink, private readonly limit: number | null = null) {
    this.tracks = new TrackMap(sink);
  }

  /** True once the first `limit` calls are all drawn: nothing later in the log is needed. */
  get done(): boolean {
    return this.limit !== null && this.entered >= this.limit && this.open.size === 0;
  }

  /** Take the next event of the log, in log order. */
  add(e: TcesimEvent): void {
    switch (e.type) {
      case 'hcall-entered':
        this.enter(e);
        return;
      case 'tier-tried': {
        const c = this.callOf(e.vcpu, e.seq);
        if (c === null) return;
        const prev = c.tiers.at(-1);
        c.tiers.push({
          tier: e.tier, startNs: prev?.escalation?.costNs ?? 0, endNs: 0, endThread: null, escalation: null,
          writes: 0, hwWrites: 0, listed: [], writer: null, crashes: [],
        });
        return;
      }
      case 'escalated': {
        const run = this.currentRun(e.vcpu, e.seq);
        if (run === null) return;
        run.escalation = e;
        run.endNs = e.costNs;
        run.endThread = e.thread;
        return;
      }
      case 'retried': {
        const run = this.currentRun(e.vcpu, e.seq);
        if (run === null) return;
        // The writes so far were the dead worker's attempt; the tier starts again from none.
        run.crashes.push({ retried: e, writes: run.writes, hwWrites: run.hwWrites, crashed: run.writer });
        run.writes = 0;
        run.hwWrites = 0;
        run.listed = [];
        run.writer = null;
        return;
      }
      case 'table-write':
        this.write(e);
        return;
      case 'table-fill':
        this.fill(e);
        return;
      case 'hcall-completed':
        this.complete(e);
        return;
      case 'table-created':
      case 'final-entry':
      case 'final-tables-end':
      case 'vcpu-finished':
      case 'host-ioctl':
      case 'host-memory':
      case 'host-final':
      case 'table-moved':
      case 'mapping-replayed':
      case 'trace-run-counts':
        return;
      default: {
        const never: never = e;
        throw new Error(`unhandled event ${JSON.stringify(never)}`);
      }
    }
  }

  /** What was drawn; calls still open (entered, never completed) are counted as incomplete. */
  counts(): TimelineCounts {
    return {
      calls: this.calls, tierSpans: this.tierSpans, escalations: { ...this.escalations }, retries: this.retries,
      incomplete: this.open.size, skippedEvents: this.skipped, tracks: this.tracks.count,
    };
  }

  private key(vcpu: number, seq: number): number {
    return vcpu * 2 ** 32 + (seq >>> 0);
  }

  private enter(e: HcallEntered): void {
    const key = this.key(e.vcpu, e.seq);
    if ((this.limit !== null && this.entered >= this.limit) || this.open.has(key)) {
      this.skipped++;
      return;
    }
    this.entered++;
    this.open.set(key, { entered: e, tiers: [] });
  }

  private callOf(vcpu: number, seq: number): OpenCall | null {
    const c = this.open.get(this.key(vcpu, seq));
    if (c === undefined) this.skipped++;
    return c ?? null;
  }

  private currentRun(vcpu: number, seq: number): TierRun | null {
    const run = this.callOf(vcpu, seq)?.tiers.at(-1);
    return run ?? null;
  }

  private write(e: TableWrite): void {
    const run = this.currentRun(e.vcpu, e.seq);
    if (run === null) return;
    if (e.table.kind === 'hardware') run.hwWrites++;
    else run.writes++;
    run.writer = e.thread;
    if (run.listed.length < LISTED_WRITES) run.listed.push(`${e.table.kind}:${hex(e.table.id)}[${e.index}] ${hex(e.old)} -> ${hex(e.value)}`);
  }

  /** A run of writes in one record: counted as its writes, listed as one line. */
  private fill(e: TableFill): void {
    const run = this.currentRun(e.vcpu, e.seq);
    if (run === null) return;
    if (e.table.kind === 'hardware') run.hwWrites += e.count;
    else run.writes += e.count;
    run.writer = e.thread;
    const step = e.step === 0n ? '' : ` step ${hex(e.step)}`;
    if (run.listed.length < LISTED_WRITES) run.listed.push(`${e.table.kind}:${hex(e.table.id)}[${e.index}..${e.index + e.count - 1}] -> ${hex(e.value)}${step} (${e.changed} changed)`);
  }

  private complete(e: HcallCompleted): void {
    const key = this.key(e.vcpu, e.seq);
    const c = this.open.get(key);
    const run = c?.tiers.at(-1);
    if (c === undefined || run === undefined) {
      this.skipped++;
      return;
    }
    this.open.delete(key);
    run.endNs = e.costNs;
    run.endThread = e.thread;
    this.draw(c, e);
  }

  /** The call's span on its vCPU's track, then each tier where it ran, its escalation and any retries. */
  private draw(c: OpenCall, done: HcallCompleted): void {
    const en = c.entered;
    const v = en.vcpu;
    const clock = en.clockNs;
    const home = this.tracks.track(VCPU_THREAD(v), v);
    let writes = 0;
    let hwWrites = 0;
    let crashes = 0;
    for (const t of c.tiers) {
      writes += t.writes;
      hwWrites += t.hwWrites;
      crashes += t.crashes.length;
      for (const x of t.crashes) {
        writes += x.writes;
        hwWrites += x.hwWrites;
      }
    }
    const reasons = c.tiers.flatMap((t) => (t.escalation === null ? [] : [t.escalation.reason]));
    const args: Record<string, TraceArgValue> = {
      vcpu: v, seq: en.seq, liobn: hex(en.liobn), ioba: hex(en.ioba), arg: hex(en.arg), npages: count(en.npages),
      ret: done.retName, retCode: done.ret, tier: done.tier, path: c.tiers.map((t) => t.tier).join(' > '),
      clockNs: clock, costNs: done.costNs, writes, hwWrites,
    };
    if (en.hcall === 'H_GET_TCE') args.out = hex(done.out);
    if (reasons.length > 0) args.escalations = reasons;
    if (crashes > 0) args.retries = crashes;
    if (done.wallUs >= 0) args.wallUs = done.wallUs;
    this.sink({ ph: 'X', name: en.hcall, cat: 'hcall', ...home, ...spanUs(clock, clock + done.costNs), args });
    this.calls++;

    for (const t of c.tiers) {
      // Real mode runs on the vCPU thread even when a pool worker logs for it (a full ring).
      const thread = t.tier === 'realmode' ? VCPU_THREAD(v) : (t.endThread ?? VCPU_THREAD(v));
      for (const x of t.crashes) {
        const r = x.retried;
        const retryArgs: Record<string, TraceArgValue> = {
          hcall: en.hcall, vcpu: v, seq: en.seq, tier: r.tier, reason: r.reason, attempt: r.attempt,
          writesBeforeCrash: x.writes, hwWritesBeforeCrash: x.hwWrites,
        };
        if (x.crashed !== null) retryArgs.crashedThread = threadLabel(x.crashed);
        this.sink({ ph: 'i', s: 't', name: `retry ${r.tier}: ${r.reason}`, cat: 'retry', ...home, ts: nsToUs(clock + t.startNs), args: retryArgs });
        this.retries++;
      }
      const where = this.tracks.track(thread, v);
      const tierArgs: Record<string, TraceArgValue> = {
        hcall: en.hcall, vcpu: v, seq: en.seq, thread: threadLabel(thread), costNs: t.endNs - t.startNs,
        outcome: t.escalation === null ? `answered ${done.retName}` : `gave up: ${t.escalation.reason}`,
        writes: t.writes, hwWrites: t.hwWrites,
      };
      if (t.listed.length > 0) tierArgs.firstWrites = t.listed;
      this.sink({ ph: 'X', name: t.tier, cat: 'tier', ...where, ...spanUs(clock + t.startNs, clock + t.endNs), args: tierArgs });
      this.tierSpans++;
      const esc = t.escalation;
      if (esc !== null) {
        this.sink({
          ph: 'i', s: 't', name: `escalate: ${esc.reason}`, cat: 'escalation', ...where, ts: nsToUs(clock + esc.costNs),
          args: { hcall: en.hcall, vcpu: v, seq: en.seq, from: esc.from, to: esc.to, reason: esc.reason, costNs: esc.costNs },
        });
        this.escalations[esc.reason] = (this.escalations[esc.reason] ?? 0) + 1;
      }
    }
  }
}
