import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogFormatError } from '../../src/events/decode.js';
import { RECORD_BYTES } from '../../src/events/layout.js';
import { readLogFile } from '../../src/events/log-file.js';
import { replayRecords, replayVerified } from '../../src/events/replay.js';
import { runInline } from '../../src/pipeline/inline-run.js';
import { runThreaded } from '../../src/pipeline/threaded-run.js';
import { CallStats } from '../../src/report/call-stats.js';
import { runFigures } from '../../src/report/report.js';
import { options } from '../pipeline/support.js';

const dir = mkdtempSync(join(tmpdir(), 'tcesim-log-'));

test('a log file holds exactly the records of the run, and its header the run description', async () => {
  const log = join(dir, 'whole.tcelog');
  const r = await runThreaded(options({ workload: 'mixed', calls: 800, log }));
  const file = readLogFile(log);
  assert.is(file.records, r.recordCount);
  assert.is(file.trailingBytes, 0);
  assert.equal(Array.from(file.words), Array.from(r.records!));
  assert.equal((file.metadata as Record<string, unknown>).workload, 'mixed');
  assert.ok(replayVerified(replayRecords(file.words, file.records)));
  const stats = new CallStats();
  stats.records(file.words, file.records);
  assert.equal(runFigures(stats), runFigures(r.stats), 'the report from the file is the report of the run');
});

test('a log cut off mid-record (a killed run) replays up to its last whole record', () => {
  const log = join(dir, 'cut.tcelog');
  runInline(options({ workload: 'nic', calls: 3000, log }));
  const size = statSync(log).size;
  truncateSync(log, size - Math.floor(size / 3) - 17);
  const file = readLogFile(log);
  assert.ok(file.trailingBytes > 0 && file.trailingBytes < RECORD_BYTES);
  const rep = replayRecords(file.words, file.records);
  assert.is(rep.recorded, null, 'the final tables were cut off');
  assert.equal(rep.chainBreaks, [], 'the prefix is consistent');
  assert.ok(rep.writes > 0);
  assert.not.ok(replayVerified(rep), '--verify cannot pass without final tables');
});

test('a file that is not a tcesim log is refused, naming it', () => {
  const bad = join(dir, 'not-a-log.tcelog');
  writeFileSync(bad, 'hello, world, this is not a log file at all');
  assert.throws(() => readLogFile(bad), (e: unknown) => e instanceof LogFormatError && /not-a-log\.tcelog: not a tcesim event log/.test(e.message));
  const future = join(dir, 'future.tcelog');
  const good = join(dir, 'whole.tcelog');
  const bytes = readFileSync(good);
  bytes.writeUInt32LE(99, 8);
  writeFileSync(future, bytes);
  assert.throws(() => readLogFile(future), /log version 99/);
});

test.run();
