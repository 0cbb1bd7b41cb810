import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleepLock, spinTryLock, unlock } from '../../src/shared-memory/lock.js';

test('spinTryLock fails within its budget while the lock is held, succeeds once released', () => {
  const words = new Int32Array(new SharedArrayBuffer(16));
  assert.ok(spinTryLock(words, 1, 0));
  assert.not.ok(spinTryLock(words, 1, 1000));
  unlock(words, 1);
  assert.is(words[1], 0);
  assert.ok(spinTryLock(words, 1, 0));
});

test('a sleeping locker on another thread waits for the holder, then gets the lock', async () => {
  const words = new Int32Array(new SharedArrayBuffer(16));
  const lockModule = new URL('../../src/shared-memory/lock.js', import.meta.url).href;
  sleepLock(words, 0);
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     import(${JSON.stringify(lockModule)}).then(({ sleepLock, unlock }) => {
       const w = new Int32Array(workerData);
       parentPort.postMessage('trying');
       sleepLock(w, 0);
       w[2] = 42; // written only while holding the lock
       unlock(w, 0);
       parentPort.postMessage('done');
     });`,
    { eval: true, workerData: words.buffer },
  );
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  // Give the worker time to spin out and sleep; it must not get in while we hold the lock.
  await new Promise((r) => setTimeout(r, 50));
  assert.is(words[2], 0);
  assert.is(words[0], 2, 'the sleeper announced itself');
  unlock(words, 0);
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  assert.is(words[2], 42);
  await worker.terminate();
});

test.run();
