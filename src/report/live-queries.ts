/**
 * Live queries over a run's event stream (rxjs), for watching a run as it goes.
 */
import { filter, scan, type Observable } from 'rxjs';
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
