/** The block-at-a-time log reader reads what readLogFile reads, whole records only, and refuses what it refuses. */
import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogFormatError } from '../../src/events/decode.js';
import { RECORD_WORDS } from '../../src/events/layout.js';
import { readLogFile } from '../../src/events/log-file.js';
import { LogStream } from '../../src/export/log-stream.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { options } from '../pipeline/support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcesim-log-stream-'));
const log = join(dir, 'cut.tcelog');
runInline(options({ workload: 'mixed', calls: 200, log }));
truncateSync(log, statSync(log).size - 23);

test('blocks of any size hold exactly the whole records of the file, in order', () => {
  const whole = readLogFile(log);
  for (const size of [1, 5, 64, 100_000]) {
    const s = new LogStream(log);
    const got: number[] = [];
    let next = 0;
    for (const b of s.blocks(size)) {
      assert.is(b.first, next, 'blocks follow each other');
      assert.ok(b.count >= 1 && b.count <= size);
      got.push(...b.words.subarray(0, b.count * RECORD_WORDS));
      next += b.count;
    }
    s.close();
    assert.is(next, whole.records);
    assert.equal(got, Array.from(whole.words), `blocks of ${size}`);
    assert.is(s.trailingBytes, whole.trailingBytes);
    assert.ok(s.trailingBytes > 0, 'the cut-off record is left out');
    assert.equal(s.metadata, whole.metadata);
  }
});

test('a file that is not a log, or of another version, is refused naming it', () => {
  const bad = join(dir, 'bad.tcelog');
  writeFileSync(bad, 'not a log');
  assert.throws(() => new LogStream(bad), (e: unknown) => e instanceof LogFormatError && /bad\.tcelog: not a tcesim event log/.test(e.message));
  const future = join(dir, 'future.tcelog');
  const bytes = readFileSync(log);
  bytes.writeUInt32LE(7, 8);
  writeFileSync(future, bytes);
  assert.throws(() => new LogStream(future), /log version 7/);
});

test.run();
