/**
 * `tcesim run` starts its threads before it loads the rest of the CLI (src/cli/early-threads.ts):
 * a run refused after that still exits at once, and a run uses them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneLineFailure, tcesim } from './support.js';

test('a run refused after its threads were started exits at once with its one-line error', () => {
  // 4 vCPU threads and the pool are started for this command before --calls 0 is checked.
  const r = tcesim(['run', '--vcpus', '4', '--calls', '0'], 20_000);
  assertOneLineFailure(r, 2, /--calls 0/, 'run --calls 0');
  const t = tcesim(['run', '--vcpus=3', '--mode', 'warp'], 20_000);
  assertOneLineFailure(t, 2, /--mode "warp"/, 'run --mode warp');
});

test('a run on threads started early makes every call', () => {
  const r = tcesim(['run', '--mode', 'virtmode', '--vcpus', '3', '--calls', '500'], 60_000);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 vCPU\(s\) x 500 calls/);
  assert.match(r.stdout, /^virtmode +1,500 +100\.00%/m, 'the pool answered all 1,500 calls');
});

test.run();
