/**
 * Progress lines on a terminal, rewritten in place and cleared when the work ends; nothing when
 * stderr is piped (CI logs stay clean). Long runs, replays and exports all say how far they are.
 */

const EVERY_MS = 250;

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  return `${Math.floor(seconds / 60)} min ${(seconds % 60).toFixed(0).padStart(2, '0')} s`;
}

/** `done / total what (P%), elapsed, ETA` for work whose total is known. */
export function progressText(done: number, total: number, what: string, elapsedS: number): string {
  const share = total > 0 ? done / total : 0;
  const left = share > 0 ? (elapsedS / share) * (1 - share) : Number.NaN;
  return `${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} ${what} (${(100 * share).toFixed(0)}%), ${elapsedS.toFixed(1)} s, ETA ${eta(left)}`;
}

/** A line for records read from a log (replay, report, export); a no-op when `stream` is not a terminal. */
export function recordProgress(stream: NodeJS.WriteStream, path: string): ((done: number, total: number) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const started = performance.now();
  let last = started;
  return (done, total) => {
    const now = performance.now();
    if (done === total) {
      stream.write('\r\x1b[K');
      return;
    }
    if (now - last < EVERY_MS) return;
    last = now;
    stream.write(`\r\x1b[K${path}: ${progressText(done, total, 'records', (now - started) / 1000)}`);
  };
}
