import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { VECTORS } from '../helpers.js';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'tcesim-cli-'));

test('conformance on the bundled vectors: one line per vector and mode, then the totals', async () => {
  const r = await run('conformance', VECTORS);
  assert.is(r.code, 0);
  assert.is(r.out.length, 73 + 2);
  assert.is(r.out.at(-1), '73 passed, 0 failed');
  assert.equal(r.err, []);
});

test('a failing vector exits 1 and counts it', async () => {
  const v = JSON.parse(readFileSync(join(VECTORS, 'poison-tce.json'), 'utf8'));
  v.steps[1].expectTce = '0x5001';
  const file = join(dir, 'failing.json');
  writeFileSync(file, JSON.stringify(v));
  const r = await run('conformance', file);
  assert.is(r.code, 1);
  assert.is(r.out.at(-1), '0 passed, 3 failed');
  assert.match(r.out[0]!, /^FAIL poison-tce \[realmode\]: step 1 H_GET_TCE: expected tce 0x5001, got 0x5000/);
});

test('misuse prints one line naming the problem and exits 2', async () => {
  const malformed = join(dir, 'malformed.json');
  writeFileSync(malformed, '{"format": "tcesim-conformance/1", ');
  const unknownField = join(dir, 'unknown-field.json');
  const v = JSON.parse(readFileSync(join(VECTORS, 'poison-tce.json'), 'utf8'));
  v.machine.ramSize = '0x1000';
  writeFileSync(unknownField, JSON.stringify(v));
  const cases: [string[], RegExp][] = [
    [['conformance', join(dir, 'missing.json')], /missing\.json: \(file\): no such file or folder/],
    [['conformance', malformed], /malformed\.json: \(file\): not valid JSON/],
    [['conformance', unknownField], /unknown-field\.json: machine\.ramSize: unknown field/],
    [['conformance', '--fast', VECTORS], /--fast/],
    [['conformance'], /at least one vector file/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', '--mode', 'turbo'], /--mode "turbo" must be one of realmode, virtmode, userspace/],
    [['run', '--calls', 'many'], /--calls "many" is not a non-negative integer/],
    [['run', '--vcpus', '0'], /vcpus 0 must be an integer from 1 to 64/],
    [['run', '--workload', 'disk'], /--workload "disk": unknown workload "disk" \(known: nic, /],
    [['run', '--pool-atomics', 'fast'], /--pool-atomics "fast" must be one of sync, async, disabled/],
    [['run', '--workload', 'nic:speed=8'], /--workload "nic:speed=8": workload nic takes no parameter "speed"/],
    [['run', '--workload', 'nic:ring'], /--workload "nic:ring": workload parameter "ring" must be KEY=VALUE/],
    [['run', '--cost', 'warpDrive=3'], /unknown cost "warpDrive"/],
    [['run', '--cost', 'realmodeEntry'], /--cost "realmodeEntry" must be NAME=NANOSECONDS/],
    [['run', '--ring', '1000'], /ring records 1000 must be a power of two/],
    [['run', '--turbo'], /--turbo/],
    [['replay', join(dir, 'no-such.tcelog')], /cannot read log .*no-such\.tcelog/],
    [['replay', malformed], /malformed\.json: not a tcesim event log/],
    [['report'], /report needs exactly one log file/],
    [['help', 'frobnicate'], /no help on 'frobnicate'/],
    [[], /no command given/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await run(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.err.length, 1, argv.join(' '));
    assert.match(r.err[0]!, pattern);
    assert.not.match(r.err[0]!, /\n\s+at /);
    assert.equal(r.out, []);
  }
});

test('run writes a log that replay --verify rebuilds and report reads back', async () => {
  const log = join(dir, 'run.tcelog');
  const r = await run('run', '--inline', '--workload', 'mixed', '--calls', '500', '--seed', '9', '--log', log);
  assert.is(r.code, 0, r.err.join('\n'));
  assert.match(r.out.join('\n'), /mode realmode, workload mixed, 2 vCPU\(s\) x 500 calls, seed 9/);
  assert.match(r.out.join('\n'), /calls: 1,000 completed of 1,000 entered/);
  const v = await run('replay', log, '--verify');
  assert.is(v.code, 0, v.out.join('\n'));
  assert.is(v.out.at(-1), 'verify: OK');
  const rep = await run('report', log);
  assert.is(rep.code, 0);
  const lines = (x: string[]): string[] => x.filter((l) => !l.startsWith('wall-clock') && !l.startsWith('calls:') && !/H_|^event log/.test(l));
  assert.equal(lines(rep.out), lines(r.out), 'the report from the log matches the run (modelled figures, escalations, tiers)');
});

test('the threaded run command prints the report with modelled and wall-clock throughput', async () => {
  const r = await run('run', '--calls', '2000', '--mode', 'virtmode');
  assert.is(r.code, 0, r.err.join('\n'));
  const text = r.out.join('\n');
  assert.match(text, /H_PUT_TCE\s+virtmode\s+4,000\s+100\.00%/);
  assert.match(text, /modelled: .* calls\/s, .* MB\/s mapped/);
  assert.match(text, /wall-clock: \d[\d,]* ms/);
});

test.run();
