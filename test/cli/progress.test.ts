/**
 * Progress on a terminal (issue 12 defect 7): `run` prints how far it is with an ETA, and long
 * `replay`, `report` and `export` say how many records they have read; nothing when stderr is
 * piped, and the line is cleared when the work ends (no half-drawn line left behind).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progressText, recordProgress } from '../../src/cli/progress.js';

/** Enough of a WriteStream for recordProgress: isTTY and write. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => { written.push(s); return true; } } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

test('progressText: done of total, share, elapsed and the ETA from the rate so far', () => {
  assert.is(progressText(250_000, 1_000_000, 'calls', 10), '250,000 / 1,000,000 calls (25%), 10.0 s, ETA 30 s');
  assert.is(progressText(100, 1000, 'records', 30), '100 / 1,000 records (10%), 30.0 s, ETA 4 min 30 s');
  assert.is(progressText(0, 1000, 'calls', 1), '0 / 1,000 calls (0%), 1.0 s, ETA ?', 'no rate yet: no ETA');
});

test('recordProgress: nothing when stderr is not a terminal', () => {
  assert.is(recordProgress(fakeStream(false).stream, 'x.tcelog'), undefined);
});

test('recordProgress on a terminal: a line rewritten in place, at most every 250 ms, cleared at the end', async () => {
  const { stream, written } = fakeStream(true);
  const tick = recordProgress(stream, 'big.tcelog');
  if (tick === undefined) throw new Error('a terminal gets progress');
  tick(10, 100);
  assert.equal(written, [], 'not within the first 250 ms');
  await new Promise((r) => setTimeout(r, 300));
  tick(40, 100);
  assert.is(written.length, 1);
  assert.ok(written[0]!.startsWith('\r\x1b[K'), 'rewritten in place: carriage return, erase the line');
  assert.match(written[0]!.slice(4), /^big\.tcelog: 40 \/ 100 records \(40%\), \d+\.\d s, ETA /);
  tick(41, 100);
  assert.is(written.length, 1, 'throttled');
  tick(100, 100);
  assert.is(written.at(-1), '\r\x1b[K', 'the line is cleared when the reading ends');
});

test.run();
