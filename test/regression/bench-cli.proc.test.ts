import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../src/cli/run-cli.js';
import { parseBenchFile } from '../../src/regression/format.js';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'tcesim-bench-'));

test('two real quick runs of the same build: tables, bench files, and compare exits 0 at the default 5%', async () => {
  // One in-thread row (and the bare store the suite adds for its ratio), each in 10 worker
  // processes: a row's samples are the processes' figures, and its ratio to the store measured
  // in the same process is judged at the default threshold or the noise between processes,
  // whichever is larger (the absolute ns/call at 100%: it moves with the machine's load).
  // docs/regression.md has the self-comparison figures.
  const files = [join(dir, 'a.json'), join(dir, 'b.json')];
  for (const f of files) {
    const r = await run('bench', '--quick', '--filter', '^realmode H_GET_TCE$', '--json', f);
    assert.is(r.code, 0, r.err.join('\n'));
    const text = r.out.join('\n');
    assert.match(text, /^tcesim bench \(quick\): node v/);
    assert.match(text, /in 10 worker processes/);
    assert.match(text, /realmode H_GET_TCE\s+\d+\.\d/);
    assert.match(text, /escalation profile: inline runs, 2 vCPUs x 4,000 calls, seed 1/);
    assert.match(text, /nic\s+realmode\s+8,000/);
    assert.match(text, /bench --quick took \d+\.\d s \(in-thread \d+\.\d s, profile \d+\.\d s; loadavg \d+\.\d\d at the end\): 2 in-thread rows in 10 worker processes, 0 threaded pipeline runs, \d+ inline profile runs/);
    assert.match(text, new RegExp(`wrote ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 3 benchmarks`));
  }
  const a = parseBenchFile(readFileSync(files[0] as string, 'utf8'), 'a.json');
  assert.equal(a.benchmarks.map((b) => b.name), ['bare locked store (CAS, 2x Int32 store, xchg)', 'realmode H_GET_TCE', 'realmode H_GET_TCE / bare store']);
  for (const b of a.benchmarks) {
    assert.is(b.samples.length, 10, `${b.name}: one figure per worker process`);
    assert.ok(b.samples.every((x) => x > 0), `${b.name}: every figure positive`);
    assert.is(b.higherIsBetter, false);
    assert.ok(b.summary.min <= b.summary.median && b.summary.median <= b.summary.p99 && b.summary.p99 <= b.summary.max);
  }
  assert.is(a.benchmarks[2]!.unit, 'x store');
  assert.match(a.git.revision, /^(?:[0-9a-f]{40}|unknown)$/);
  assert.ok(a.machine.cores >= 1 && a.machine.memoryBytes > 0 && a.machine.cpu.length > 0);
  assert.is(a.node, process.version);
  assert.equal(a.options['filter'], '^realmode H_GET_TCE$');
  assert.ok(a.profile.runs.some((r) => r.workload === 'nic' && r.mode === 'realmode' && r.calls === 8000));

  const c = await run('compare', files[0] as string, files[1] as string);
  assert.is(c.code, 0, c.out.join('\n'));
  const text = c.out.join('\n');
  assert.match(text, /realmode H_GET_TCE \/ bare store\s+x store\s+\S+\s+\S+\s+\S+%\s+\S+\s+\d+(?:\.\d)?%(?: noise)?\s+unchanged/);
  assert.match(text, /realmode H_GET_TCE\s+ns\/call\s+\S+\s+\S+\s+\S+%\s+\S+\s+100%\s+unchanged/);
  assert.match(text, /escalation profile: unchanged/);
  assert.match(text, /0 slower, \d faster, \d unchanged: no regression/);
});

test('compare fails on bench files that measured nothing or nothing in common (exit 2), and on a row missing from NEW (exit 1)', async () => {
  const a = parseBenchFile(readFileSync(join(dir, 'a.json'), 'utf8'), 'a.json');
  const write = (name: string, f: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(f));
    return path;
  };
  const empty = write('empty.json', { ...a, benchmarks: [] });
  const other = write('other.json', { ...a, benchmarks: a.benchmarks.map((b) => ({ ...b, name: `${b.name} (renamed)` })) });
  const fewer = write('fewer.json', { ...a, benchmarks: a.benchmarks.slice(0, 2) });
  const base = join(dir, 'a.json');
  for (const [argv, message] of [
    [[base, empty], /empty\.json: no benchmarks in it: nothing to compare$/],
    [[empty, base], /empty\.json: no benchmarks in it: nothing to compare$/],
    [[base, other], /have no benchmark in common: nothing to compare/],
  ] as const) {
    const r = await run('compare', ...argv);
    assert.is(r.code, 2, r.out.join('\n'));
    assert.match(r.err[0]!, message);
  }
  const r = await run('compare', base, fewer);
  assert.is(r.code, 1, r.out.join('\n'));
  assert.match(r.out.join('\n'), /missing from new: realmode H_GET_TCE \/ bare store \(a regression: it is no longer measured\)/);
  assert.match(r.out.at(-1)!, /: regression \(1 missing from new\)$/);
});

test.run();
