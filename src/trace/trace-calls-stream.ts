/**
 * A trace read as the calls it records: every `spapr_iommu_*` line in order, the table lines
 * feeding the geometry resolver and each hcall line rebuilt into its call. The pre-scan (main
 * thread) and the `trace` workload (its vCPU thread) both read a trace through this, so they
 * see the same calls on the same tables.
 */
import { H_RTAS, RTAS_IBM_CREATE_PE_DMA_WINDOW, RTAS_IBM_QUERY_PE_DMA_WINDOW, RTAS_IBM_REMOVE_PE_DMA_WINDOW, RTAS_IBM_RESET_PE_DMA_WINDOW } from '../papr/rtas.js';
import { H_SUCCESS } from '../papr/return-codes.js';
import { hex } from '../papr/u64.js';
import { TraceTableResolver, type TraceTableGeometry } from './table-geometry.js';
import { traceCall, type TraceCall, type TraceRtas } from './trace-calls.js';
import { TraceFormatError } from './trace-error.js';
import type { QemuTraceEvent, TraceDdwEvent } from './trace-events.js';
import { TraceReader } from './trace-reader.js';
import { buildHotCall, type HotCall } from './trace-calls-hot.js';
import { HOT_INDIRECT, HOT_PUT, HOT_STUFF, parseHotLine } from './trace-hot-line.js';

export type TraceEventCounts = Record<QemuTraceEvent['kind'], number>;

function emptyEventCounts(): TraceEventCounts {
  return {
    put: 0, get: 0, indirect: 0, stuff: 0, new_table: 0, ddw_query: 0, ddw_create: 0, ddw_remove: 0, ddw_reset: 0, other: 0,
  };
}

/** No reset pending: one bigint for every line (a `-1n` in the line loop made a new one per line, ~400k for a 400k-line trace). */
const NO_RESET = -1n;

export class TraceCallStream {
  readonly reader: TraceReader;
  private readonly resolver: TraceTableResolver;
  /** Events read so far, by kind. */
  readonly counts = emptyEventCounts();
  /** Calls returned so far (hcalls and RTAS calls). */
  calls = 0;
  /** Of them: RTAS calls (ddw_* lines), calls on a LIOBN without a table, indirects whose list was reconstructed. */
  rtasCalls = 0;
  noTableCalls = 0;
  reconstructedLists = 0;
  /**
   * The table of the last hot line's LIOBN (null: it has none the hot path can use), kept for
   * the next hot line of that LIOBN while only hot lines come between: they change no table
   * (any other line may, and clears it: take()). Most lines of a trace name the LIOBN of the
   * line before, so most skip the resolver's lookups.
   */
  private hotLiobn = -1;
  private hotTable: TraceTableGeometry | null = null;
  /** The PHB whose ddw_reset line QEMU prints after a remove that reset it (that line is no call of its own), or -1. */
  private pendingReset: bigint = -1n;

  constructor(
    readonly file: string, overrides: ReadonlyMap<number, TraceTableGeometry>, private readonly ramBytes: number,
    bufferBytes?: number,
  ) {
    this.reader = new TraceReader(file, bufferBytes);
    this.resolver = new TraceTableResolver(overrides);
  }

  /** The next call, or null at the end of the trace; a line it cannot replay throws a TraceFormatError. */
  next(): TraceCall | null {
    for (;;) {
      const e = this.reader.next();
      if (e === null) return null;
      const c = this.take(e);
      if (c !== null) return c;
    }
  }

  /**
   * The next call, as next() gives it, but a line of the common form (trace-hot-line.ts) is
   * rebuilt into `hot` in plain numbers and answered `hot` itself (trace-calls-hot.ts); any
   * other comes back as a TraceCall. Null at the end. The replay's vCPU thread reads this way.
   */
  nextHot(hot: HotCall): TraceCall | HotCall | null {
    const r = this.reader;
    for (;;) {
      if (!r.nextLineBytes()) return null;
      if (parseHotLine(r.bytes, r.from, r.to, hot)) {
        // A successful call needs its table; a LIOBN the trace never gives one is the general path's to name.
        let g = this.hotTable;
        if (hot.liobn !== this.hotLiobn) {
          try {
            g = this.resolver.geometry(hot.liobn, r.line, true);
          } catch {
            g = null;
          }
          this.hotLiobn = hot.liobn;
          this.hotTable = g;
        }
        if (g !== null && buildHotCall(hot, g, this.ramBytes)) {
          this.countHot(hot.kind);
          this.pendingReset = NO_RESET;
          this.calls++;
          return hot;
        }
      }
      const e = r.parseLine();
      if (e === null) continue;
      const c = this.take(e);
      if (c !== null) return c;
    }
  }

  /** A hot line of kind `kind` (HOT_*) counted. */
  private countHot(kind: number): void {
    const c = this.counts;
    if (kind === HOT_PUT) c.put++;
    else if (kind === HOT_STUFF) c.stuff++;
    else if (kind === HOT_INDIRECT) c.indirect++;
    else c.get++;
  }

  /** Event `e` read: the call it makes, or null for a line that makes none (the tables told). */
  private take(e: QemuTraceEvent): TraceCall | null {
    this.hotLiobn = -1;
    this.hotTable = null;
    this.counts[e.kind]++;
    try {
      switch (e.kind) {
        case 'put':
        case 'get':
        case 'indirect':
        case 'stuff': {
          this.pendingReset = -1n;
          const needsTable = e.ret === H_SUCCESS || e.kind === 'indirect' || e.kind === 'stuff';
          // A 64-bit LIOBN has no table: its low word must not be looked up (nor declared used).
          const g = (e.liobnHi ?? 0) !== 0 ? null : this.resolver.geometry(e.liobn, this.reader.line, needsTable);
          const c = traceCall(e, g, this.ramBytes);
          this.calls++;
          if (c.noTable) this.noTableCalls++;
          if (c.reconstructed) this.reconstructedLists++;
          return c;
        }
        case 'new_table':
          this.resolver.declare(e.liobn);
          return null;
        case 'ddw_query':
        case 'ddw_create':
        case 'ddw_remove':
        case 'ddw_reset': {
          const c = this.rtasCall(e);
          if (c === null) return null;
          this.calls++;
          this.rtasCalls++;
          return c;
        }
        case 'other':
          return null;
        default: {
          const never: never = e;
          throw new Error(`unknown trace event ${JSON.stringify(never)}`);
        }
      }
    } catch (err) {
      if (err instanceof RangeError && !(err instanceof TraceFormatError)) {
        throw new TraceFormatError(this.file, this.reader.line, err.message);
      }
      throw err;
    }
  }

  /** The RTAS call a ddw_* line records (null: the reset QEMU did itself after a remove), the resolver told. */
  private rtasCall(e: TraceDdwEvent): TraceCall | null {
    const line = this.reader.line;
    const buidWords = (buid: bigint): number[] => [Number(buid >> 32n), Number(buid & 0xffffffffn)];
    let rtas: TraceRtas;
    switch (e.kind) {
      case 'ddw_query':
        this.resolver.queried(e.buid, line);
        rtas = { token: RTAS_IBM_QUERY_PE_DMA_WINDOW, args: [e.addr, ...buidWords(e.buid)], nret: 5, expect: [0, e.windowsAvailable, Number(e.maxWindowSize & 0xffffffffn), e.mask, 0], event: 'ddw_query' };
        break;
      case 'ddw_create': {
        this.resolver.created(e, line);
        const shift = (v: bigint): number => v.toString(2).length - 1;
        rtas = {
          token: RTAS_IBM_CREATE_PE_DMA_WINDOW, args: [e.addr, ...buidWords(e.buid), shift(e.pageSize), shift(e.requested)], nret: 4,
          expect: [0, e.liobn, Number(e.startAddr >> 32n), Number(e.startAddr & 0xffffffffn)], event: 'ddw_create',
        };
        if ((e.requested & (e.requested - 1n)) !== 0n) throw new RangeError(`ddw_create: requested ${hex(e.requested)} is not a power of two (QEMU prints 1 << window_shift)`);
        break;
      }
      case 'ddw_remove': {
        const reset = this.resolver.removed(e.liobn, line);
        rtas = { token: RTAS_IBM_REMOVE_PE_DMA_WINDOW, args: [e.liobn], nret: 1, expect: [0], event: 'ddw_remove' };
        const w = e.liobn >>> 8 & 0xff;
        this.pendingReset = reset ? 0x800000020000000n + BigInt(w) : -1n;
        break;
      }
      case 'ddw_reset':
        if (this.pendingReset === e.buid && e.addr === 0) {
          // QEMU's own reset after the remove before it: printed, not called.
          this.pendingReset = -1n;
          return null;
        }
        this.resolver.reset(e.buid, line);
        rtas = { token: RTAS_IBM_RESET_PE_DMA_WINDOW, args: [e.addr, ...buidWords(e.buid)], nret: 1, expect: [0], event: 'ddw_reset' };
        break;
      default: {
        const never: never = e;
        throw new Error(`unknown ddw event ${JSON.stringify(never)}`);
      }
    }
    this.pendingReset = e.kind === 'ddw_remove' ? this.pendingReset : -1n;
    return {
      opcode: H_RTAS, liobn: 0, liobnHi: 0, ioba: 0n, arg: 0n, npages: 0, listFirst: 0n, listStep: 0n, ret: H_SUCCESS, mappedBytes: 0,
      noTable: false, reconstructed: false, rtas, tce: 0n,
    };
  }

  /** PHBs whose windows the trace's DDW lines change (the machine models them), with their default windows. */
  modelledPhbs(): { index: number; dmaWinAddr: bigint; dmaWinSize: bigint }[] {
    return this.resolver.modelledPhbs();
  }

  /** Lines on LIOBNs first used without a table and later needing one (the run cannot replay both). */
  conflicts(): { liobn: number; line: number }[] {
    return this.resolver.untabledThenTabled();
  }

  /** The tables the trace has named, created or used so far (all of them once it has been read to the end). */
  tables(): TraceTableGeometry[] {
    return this.resolver.tables();
  }

  close(): void {
    this.reader.close();
  }
}
