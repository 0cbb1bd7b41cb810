import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogDrain, MemoryRecordSink } from '../../src/events/drain.js';
import { KIND_RETRY, R_HEAD, R_P0, R_SEQ, R_VCPU, RECORD_WORDS, headKind } from '../../src/events/layout.js';
import { EventRing, allocateRing } from '../../src/events/ring.js';
import { EventWriter } from '../../src/events/writer.js';

test('allocateRing refuses a capacity that is not a power of two, naming it', () => {
  assert.throws(() => allocateRing(1000), /ring capacity 1000 must be a power of two/);
  assert.throws(() => allocateRing(8), /ring capacity 8/);
});

test('a full ring refuses a reservation without waiting, and takes it again once drained', () => {
  const shared = allocateRing(16);
  const ring = new EventRing(shared);
  const w = new EventWriter(shared, 'fail');
  for (let i = 0; i < 16; i++) assert.ok(w.retry(0, 17, i), `record ${i}`);
  assert.not.ok(w.retry(0, 17, 99), 'the 17th record does not fit');
  assert.not.ok(ring.tryReserve(1));
  const drain = new LogDrain(shared);
  const mem = new MemoryRecordSink();
  drain.addSink(mem);
  assert.is(drain.drain(), 16);
  assert.ok(w.retry(0, 17, 16));
  assert.is(drain.drain(), 1);
  const words = mem.words();
  for (let i = 0; i < 17; i++) assert.is(words[i * RECORD_WORDS + R_P0], i, `records come out in order (${i})`);
});

test('positions wrap around the ring many times without losing or repeating a record', () => {
  const shared = allocateRing(16);
  const w = new EventWriter(shared, 'fail');
  const drain = new LogDrain(shared);
  const mem = new MemoryRecordSink();
  drain.addSink(mem);
  for (let i = 0; i < 1000; i++) {
    assert.ok(w.retry(0, 17, i));
    if (i % 7 === 6) drain.drain();
  }
  drain.drain();
  assert.is(mem.count, 1000);
  const words = mem.words();
  for (let i = 0; i < 1000; i++) assert.is(words[i * RECORD_WORDS + R_P0], i);
});

test('positions past 2^31 (negative as Int32) and past 2^32 (wrapped to 0) are reserved like any other; no room only when full', () => {
  for (const first of [2 ** 31 - 8, -8]) {
    const shared = allocateRing(16, first);
    const ring = new EventRing(shared);
    const w = new EventWriter(shared, 'fail');
    const drain = new LogDrain(shared);
    const mem = new MemoryRecordSink();
    drain.addSink(mem);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      assert.ok(ring.tryReserve(1));
      seen.push(ring.reserved);
    }
    assert.equal(seen, [first, first + 1, first + 2, first + 3], `the first positions from ${first}`);
    for (const p of seen) {
      ring.words[ring.offset(p) + R_HEAD] = KIND_RETRY;
      ring.words[ring.offset(p) + R_P0] = p - first;
      ring.publish(p);
    }
    for (let i = 4; i < 16; i++) assert.ok(w.retry(0, 17, i), `record ${i} from ${first}: room left`);
    assert.not.ok(ring.tryReserve(1), `full, from ${first}`);
    assert.is(drain.drain(), 16);
    for (let i = 16; i < 100; i++) {
      assert.ok(w.retry(0, 17, i), `record ${i} from ${first}`);
      if (i % 5 === 4) drain.drain();
    }
    drain.drain();
    assert.is(mem.count, 100);
    const words = mem.words();
    for (let i = 0; i < 100; i++) assert.is(words[i * RECORD_WORDS + R_P0], i, `in order, from ${first} (${i})`);
  }
  assert.throws(() => allocateRing(16, 2 ** 31), /ring position 2147483648 must be an Int32/);
});

test('a consumer never reads a reserved record before it is published', () => {
  const shared = allocateRing(16);
  const ring = new EventRing(shared);
  assert.ok(ring.tryReserve(2));
  const p = ring.reserved;
  ring.words[ring.offset(p + 1) + R_HEAD] = KIND_RETRY;
  ring.publish(p + 1);
  assert.is(ring.readyCount(16), 0, 'the first reserved record is not published yet');
  ring.words[ring.offset(p) + R_HEAD] = KIND_RETRY;
  ring.publish(p);
  assert.is(ring.readyCount(16), 2);
});

test('four threads appending at once: every record arrives exactly once, each thread in its own order', async () => {
  const shared = allocateRing(1024);
  const perThread = 20000;
  const drain = new LogDrain(shared);
  const mem = new MemoryRecordSink();
  drain.addSink(mem);
  const code = `
    const { workerData } = require('node:worker_threads');
    import(workerData.url).then(({ EventWriter }) => {
      const w = new EventWriter(workerData.ring, 'wait');
      for (let i = 0; i < workerData.n; i++) { w.bind(workerData.id, i, 1); w.retry(1, 17, i); }
    });`;
  const url = new URL('../../src/events/writer.js', import.meta.url).href;
  const workers = [0, 1, 2, 3].map((id) => new Worker(code, { eval: true, workerData: { ring: shared, n: perThread, id, url } }));
  const exited = workers.map((w) => new Promise((resolve) => w.on('exit', resolve)));
  // Set by the promise below: the assertion keeps TypeScript from narrowing it to false.
  let done = false as boolean;
  void Promise.all(exited).then(() => { done = true; });
  while (!done || drain.ring.used() > 0) {
    drain.drain();
    await new Promise((r) => setTimeout(r, 1));
  }
  drain.drain();
  assert.is(mem.count, 4 * perThread);
  const next = [0, 0, 0, 0];
  const words = mem.words();
  for (let r = 0; r < mem.count; r++) {
    const o = r * RECORD_WORDS;
    assert.is(headKind(words[o + R_HEAD] as number), KIND_RETRY);
    const id = words[o + R_VCPU] as number;
    assert.is(words[o + R_SEQ], next[id], `thread ${id}'s records stay in order`);
    next[id]!++;
  }
  assert.equal(next, [perThread, perThread, perThread, perThread]);
});

test('unused reserved records at the head go back; once another reservation follows them they stay (to be padded)', () => {
  const ring = new EventRing(allocateRing(64));
  assert.ok(ring.tryReserve(5));
  const p = ring.reserved;
  assert.ok(ring.unreserve((p + 2) | 0, (p + 5) | 0), 'nobody reserved after them');
  assert.is(ring.used(), 2);
  assert.ok(ring.tryReserve(1));
  assert.is(ring.reserved, (p + 2) | 0, 'the next reservation takes the first record given back');
  assert.ok(ring.tryReserve(4));
  const q = ring.reserved;
  assert.ok(ring.tryReserve(1));
  const r = ring.reserved;
  assert.not.ok(ring.unreserve((q + 1) | 0, (q + 4) | 0), 'a reservation followed');
  assert.is(ring.used(), 3 + 4 + 1);
  assert.is(r, (q + 4) | 0);
});

test.run();
