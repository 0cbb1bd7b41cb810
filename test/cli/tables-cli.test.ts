import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { ROOT } from '../helpers.js';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'tcesim-tables-'));
const DDW_TRACE = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-ddw-synthetic.log');
const log = (mode: string): string => join(dir, `${mode}.tcelog`);

test('tcesim tables prints each final table by bus address; --diff shows the three modes end identical', async () => {
  for (const mode of ['realmode', 'virtmode', 'userspace']) {
    const r = await run('run', '--trace', DDW_TRACE, '--mode', mode, '--inline', '--log', log(mode));
    assert.is(r.code, 0, r.err.join('\n'));
  }
  const t = await run('tables', log('virtmode'));
  assert.is(t.code, 0);
  assert.equal(t.out, [
    `${log('virtmode')}: final tables`,
    'guest 0x71000002: 1 non-zero entries', '  0x2000 0x5003',
    'guest 0x80000000: 1 non-zero entries', '  0x2000 0x2003',
  ]);
  for (const [a, b] of [['realmode', 'userspace'], ['virtmode', 'userspace']]) {
    const d = await run('tables', '--diff', log(a as string), log(b as string));
    assert.equal([d.code, d.out.at(-1)], [0, 'final tables identical: 2 tables, 2 non-zero entries']);
  }
});

test('the real sample trace replayed in realmode, virtmode and userspace ends with identical final tables', async () => {
  const sample = join(ROOT, 'test', 'data', 'traces', 'qemu-7.2-pseries-ddw-off.log');
  for (const mode of ['realmode', 'virtmode', 'userspace']) {
    const r = await run('run', '--trace', sample, '--mode', mode, '--inline', '--log', join(dir, `sample-${mode}.tcelog`));
    assert.is(r.code, 0, r.err.join('\n'));
  }
  for (const mode of ['realmode', 'virtmode']) {
    const d = await run('tables', '--diff', join(dir, `sample-${mode}.tcelog`), join(dir, 'sample-userspace.tcelog'));
    assert.equal([d.code, d.out.at(-1)], [0, 'final tables identical: 2 tables, 372 non-zero entries'], mode);
  }
});

test('tables --diff names every differing entry and exits 1; misuse is one line, exit 2', async () => {
  const other = join(dir, 'short.tcelog');
  const r = await run('run', '--trace', DDW_TRACE, '--calls', '3', '--mode', 'userspace', '--inline', '--log', other);
  assert.is(r.code, 0, r.err.join('\n'));
  const d = await run('tables', '--diff', log('userspace'), other);
  assert.is(d.code, 1);
  assert.equal(d.out, [
    `guest 0x80000000 0x1000: 0x0 in ${log('userspace')}, 0x1003 in ${other}`,
    `guest 0x80000000 0x2000: 0x2003 in ${log('userspace')}, 0x0 in ${other}`,
    'final tables differ: 2 differences',
  ]);
  assert.equal((await run('tables')).err, ['tcesim: tables needs exactly one log file (tcesim tables LOG)']);
  assert.is((await run('tables', '--diff', other)).code, 2);
  assert.match((await run('tables', join(dir, 'none.tcelog'))).err[0] as string, /^tcesim: cannot read log/);
});

test.run();
