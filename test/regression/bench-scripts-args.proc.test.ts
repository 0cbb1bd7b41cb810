/**
 * The developer bench scripts (bench/*.bench.ts) end a bad flag or value with one line naming
 * it and exit 2, before any benchmark runs: no Node stack trace (src/benchmarks/bench-cli.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers.js';

function script(name: string, args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', `${name}.bench.js`), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

const CASES: readonly [string, string[], RegExp][] = [
  ['pipeline', ['--help'], /^bench\/pipeline\.bench: Unknown option '--help'/],
  ['piscina-options', ['--calls', '0'], /^bench\/piscina-options\.bench: --calls "0" must be a positive integer/],
  ['realmode', ['--filter', 'no such row'], /^bench\/realmode\.bench: --filter no such row: no row matches/],
  ['slowdown', [], /^bench\/slowdown\.bench: --json FILE is required/],
  ['slowdown', ['--json', 'x.json', '--percent=-3'], /^bench\/slowdown\.bench: --percent -3 must be a number above 0/],
  ['slowdown', ['--json', 'x.json', '--percent', '-3'], /^bench\/slowdown\.bench: Option '--percent' argument is ambiguous\.$/],
  ['speed', ['--filter', 'no such row'], /^bench\/speed\.bench: --filter no such row matches no row/],
];

for (const [name, args, message] of CASES) {
  test(`bench/${name}.bench ${args.join(' ')}: one line, exit 2`, () => {
    const r = script(name, args);
    assert.is(r.code, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0]!, message);
    assert.not.match(r.stderr, /^\s+at |node:internal/m, 'a stack trace');
  });
}

test.run();
