import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { quickConfig, type SuiteConfig } from '../../src/benchmarks/config.js';
import { gitInfo, PACKAGE_ROOT } from '../../src/benchmarks/machine-info.js';
import { runSuite } from '../../src/benchmarks/suite.js';
import { runCli } from '../../src/cli/run-cli.js';
import { serializeBenchFile, type BenchFile } from '../../src/regression/format.js';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'tcesim-slow-'));

/** The suite's test hook: one in-thread row (plus the bare store), short, and a small profile. */
const tiny: SuiteConfig = {
  ...quickConfig(),
  filter: /^realmode H_GET_TCE$/,
  micro: { ...quickConfig().micro, processes: 12 },
  profile: { vcpus: 2, callsPerVcpu: 300, seed: 1, ringRecords: 2 ** 14 },
};

function save(name: string, f: BenchFile): string {
  const path = join(dir, name);
  writeFileSync(path, serializeBenchFile(f));
  return path;
}

let base: BenchFile;

// Real runs on a shared machine: the verdict on 10% is checked deterministically on recorded
// samples in slowdown-recorded.test.ts; this one checks the hook and the whole path end to end.
// With 10% it failed once in a clean clone's CI run: the spread between that run's processes
// put the noise bar at 40% (3 standard errors), above the slowdown; and this VM's speed drifts
// so much between two runs a few seconds apart that the bare store itself came out 59% slower
// once. So the row is made twice as slow here, with 12 processes a side instead of 8, and only
// what must hold whatever the drift is asserted: the slowed row is found slower against the
// store measured beside it, nothing is found faster, the profile is unchanged.
test('a row made twice as slow (a busy-wait in its timed batches) is reported slower at the default 5%: exit 1', async () => {
  base = (await runSuite(tiny)).file;
  const slowed = (await runSuite({ ...tiny, delay: { rows: /^realmode H_GET_TCE$/, percent: 100 } })).file;
  const c = await run('compare', save('base.json', base), save('slowed.json', slowed));
  assert.is(c.code, 1, c.out.join('\n'));
  const text = c.out.join('\n');
  // Judged on the ratio to the store measured in the same worker process.
  assert.match(text, /realmode H_GET_TCE \/ bare store\s+x store\s+\S+\s+\S+\s+\+\d+\.\d%\s+[<\d.]+\s+\d+(?:\.\d)?%(?: noise)?\s+slower/);
  assert.not.match(text, /faster$/m, 'no row is found faster');
  assert.match(text, /escalation profile: unchanged/);
  assert.match(text, /^[12] slower, 0 faster, [12] unchanged: regression \([12] slower\)$/m);
});

test('a changed escalation profile with identical timings: exit 1, the changed count printed', async () => {
  const run0 = base.profile.runs.find((r) => r.workload === 'nic' && r.mode === 'realmode');
  if (run0 === undefined) throw new Error('no nic realmode profile run');
  const edited: BenchFile = {
    ...base,
    profile: {
      ...base.profile,
      runs: base.profile.runs.map((r) => (r === run0
        ? { ...r, escalations: { ...r.escalations, 'lock-contended': 3 }, answeredBy: { ...r.answeredBy, realmode: (r.answeredBy['realmode'] ?? 0) - 3, virtmode: (r.answeredBy['virtmode'] ?? 0) + 3 } }
        : r)),
    },
  };
  const c = await run('compare', save('same.json', base), save('edited.json', edited));
  assert.is(c.code, 1, c.out.join('\n'));
  const text = c.out.join('\n');
  assert.match(text, /^0 slower, 0 faster, 3 unchanged: regression \(the escalation profile changed\)$/m);
  assert.match(text, /escalation profile: 3 count\(s\) changed/);
  assert.match(text, /nic realmode\s+escalation lock-contended\s+0\s+3/);
  assert.match(text, new RegExp(`nic realmode\\s+answered-by realmode\\s+${run0.answeredBy['realmode']}\\s+${(run0.answeredBy['realmode'] ?? 0) - 3}`));
});

test('a run option that changes fallbacks (a tiny event ring) changes the real profile', async () => {
  const small = (await runSuite({ ...tiny, filter: /^$/, profile: { ...tiny.profile, ringRecords: 1024 } })).file;
  assert.equal(small.benchmarks, []);
  // The same timings on both sides (a file without benchmarks is refused): only the profile differs.
  const c = await run('compare', save('ring.json', base), save('small-ring.json', { ...small, benchmarks: base.benchmarks }));
  assert.is(c.code, 1, c.out.join('\n'));
  const text = c.out.join('\n');
  assert.match(text, /parameters\s+ringRecords\s+16384\s+1024/);
  // Real mode may not wait for room in the ring: with 1024 records it gives up with log-full.
  const logFull = [...text.matchAll(/^(\w+) realmode\s+escalation log-full\s+(\d+)\s+(\d+)$/gm)];
  assert.ok(logFull.some((m) => Number(m[3]) > Number(m[2])), `no log-full count went up:\n${text}`);
});

test('cost overrides are recorded and leave the escalation profile as it was', async () => {
  const costly = (await runSuite({ ...tiny, filter: /^$/, costs: { realmodeEntry: 900, pageAllocate: 0 } })).file;
  assert.equal(costly.options['costs'], { realmodeEntry: 900, pageAllocate: 0 });
  const c = await run('compare', save('costs-base.json', base), save('costs.json', { ...costly, benchmarks: base.benchmarks }));
  assert.is(c.code, 0, c.out.join('\n'));
  assert.match(c.out.join('\n'), /escalation profile: unchanged/);
});

test('misuse is one line and exit 2', async () => {
  const good = save('good.json', base);
  const notBench = join(dir, 'not-bench.json');
  writeFileSync(notBench, '{"benchmarks": []}');
  const notJson = join(dir, 'not-json.json');
  writeFileSync(notJson, 'hello');
  const cases: [string[], RegExp][] = [
    [['compare', join(dir, 'missing.json'), good], /missing\.json: no such file/],
    [['compare', good, notBench], /not-bench\.json: not a tcesim bench file \(no "format": "tcesim-bench"/],
    [['compare', notJson, good], /not-json\.json: not a tcesim bench file \(not valid JSON/],
    [['compare', good, good, '--threshold', 'lots'], /--threshold "lots" must be a percentage/],
    [['compare', good, good, '--threshold=-5%'], /--threshold "-5%" must be a percentage/],
    [['compare', good, good, '--alpha', '2'], /--alpha "2" must be a number above 0 and at most 0\.5/],
    [['compare', good], /compare needs two bench files, BASE and NEW, got .*good\.json/],
    [['compare', good, good, '--fast'], /--fast/],
    [['bench', '--filter', '('], /--filter "\(" is not a regular expression/],
    [['bench', '--filter', 'no-such-benchmark'], /--filter "no-such-benchmark" matches no benchmark/],
    [['bench', '--json', join(dir, 'no-folder', 'x.json'), '--filter', 'H_GET'], /--json .*x\.json: folder .*no-folder does not exist/],
    [['bench', 'extra'], /bench takes no positional arguments, got extra/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await run(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.err.length, 1, argv.join(' '));
    assert.match(r.err[0] as string, pattern);
    assert.not.match(r.err[0] as string, /\n/);
    assert.equal(r.out, [], argv.join(' '));
  }
});

test('the git revision is "unknown" outside a checkout, never a crash', () => {
  assert.equal(gitInfo(mkdtempSync(join(tmpdir(), 'tcesim-nogit-'))), { revision: 'unknown', dirty: null });
  const here = gitInfo(PACKAGE_ROOT);
  assert.match(here.revision, /^(?:[0-9a-f]{40}|unknown)$/);
});

test.run();
