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
  assert.is(r.out.length, 39 + 2);
  assert.is(r.out.at(-1), '39 passed, 0 failed');
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

test.run();
