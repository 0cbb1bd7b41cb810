/**
 * A trace read as the calls it records: every `spapr_iommu_*` line in order, the table lines
 * feeding the geometry resolver and each hcall line rebuilt into its call. The pre-scan (main
 * thread) and the `trace` workload (its vCPU thread) both read a trace through this, so they
 * see the same calls on the same tables.
 */
import { TraceTableResolver, type TraceTableGeometry } from './table-geometry.js';
import { traceCall, type TraceCall } from './trace-calls.js';
import { TraceFormatError } from './trace-error.js';
import type { QemuTraceEvent } from './trace-events.js';
import { TraceReader } from './trace-reader.js';

export type TraceEventCounts = Record<QemuTraceEvent['kind'], number>;

export function emptyEventCounts(): TraceEventCounts {
  return {
    put: 0, get: 0, indirect: 0, stuff: 0, new_table: 0, ddw_query: 0, ddw_create: 0, ddw_remove: 0, ddw_reset: 0, other: 0,
  };
}

export class TraceCallStream {
  readonly reader: TraceReader;
  private readonly resolver: TraceTableResolver;
  /** Events read so far, by kind. */
  readonly counts = emptyEventCounts();
  /** Calls returned so far. */
  calls = 0;

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
      this.counts[e.kind]++;
      try {
        switch (e.kind) {
          case 'put':
          case 'get':
          case 'indirect':
          case 'stuff': {
            const c = traceCall(e, this.resolver.geometry(e.liobn, this.reader.line), this.ramBytes);
            this.calls++;
            return c;
          }
          case 'new_table':
            this.resolver.declare(e.liobn);
            break;
          case 'ddw_create':
            this.resolver.created(e, this.reader.line);
            break;
          case 'ddw_query':
          case 'ddw_remove':
          case 'ddw_reset':
          case 'other':
            // Windows are not removed or reset at run time (docs/qemu-traces.md).
            break;
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
  }

  /** The tables the trace has named, created or used so far (all of them once it has been read to the end). */
  tables(): TraceTableGeometry[] {
    return this.resolver.tables();
  }

  close(): void {
    this.reader.close();
  }
}
