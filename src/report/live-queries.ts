/**
 * Live queries over a run's event stream (rxjs), for watching a run as it goes.
 */
import { bufferTime, filter, map, scan, type Observable } from 'rxjs';
import type { Escalated, TcesimEvent } from '../events/events.js';

function isEscalation(e: TcesimEvent): e is Escalated {
  return e.type === 'escalated';
}

/** Escalations so far, by reason; emits after each one. */
export function escalationsByReason(events$: Observable<TcesimEvent>): Observable<Readonly<Record<string, number>>> {
  return events$.pipe(
    filter(isEscalation),
    scan((acc: Record<string, number>, e) => ({ ...acc, [e.reason]: (acc[e.reason] ?? 0) + 1 }), {}),
  );
}

/** Escalations per second of wall-clock, by reason: one object per window (empty windows too). */
export function escalationsPerSecond(events$: Observable<TcesimEvent>, windowMs = 1000): Observable<Readonly<Record<string, number>>> {
  return events$.pipe(
    filter(isEscalation),
    bufferTime(windowMs),
    map((batch) => {
      const out: Record<string, number> = {};
      for (const e of batch) out[e.reason] = (out[e.reason] ?? 0) + (1000 / windowMs);
      return out;
    }),
  );
}
