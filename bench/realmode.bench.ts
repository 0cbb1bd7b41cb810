/**
 * Real-mode hypercall throughput on one thread, next to the bare cost of a spinlocked 64-bit
 * store into the same SharedArrayBuffer: the in-thread rows of the suite behind `tcesim bench`
 * (src/benchmarks), with this script's own time and batch settings.
 *
 *   npm run bench                        # build, then run every row
 *   npm run bench -- --json out.json     # also write a bench file (docs/regression.md)
 *   node --expose-gc dist/bench/realmode.bench.js --gc-check   # add an allocation check (10M calls/row)
 *
 * Options: --time MS (per row, default 1000), --batch N (most calls per sample, default 1000; each row's batch is sized to 100 us),
 * --json FILE, --gc-check, --gc-calls N (default 10_000_000), --filter REGEX (run only the rows whose
 * name matches REGEX, e.g. under `node --cpu-prof`; the bare locked store always runs, for the ratio).
 * The escalation profile runs too (a second or two): a bench file carries it.
 */
import { writeFileSync } from 'node:fs';
import { allocationCheck } from '../src/benchmarks/allocation-check.js';
import { fullConfig, type SuiteConfig } from '../src/benchmarks/config.js';
import { REALMODE_ROW_NAMES, realmodeRows } from '../src/benchmarks/realmode-rows.js';
import { runSuite, suiteCosts } from '../src/benchmarks/suite.js';
import { formatSuite } from '../src/benchmarks/tables.js';
import { serializeBenchFile } from '../src/regression/format.js';
import { benchArgs, benchUsageExit } from '../src/benchmarks/bench-cli.js';

const { values: opts } = benchArgs('bench/realmode.bench', {
  options: {
    time: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '1000' },
    json: { type: 'string' },
    'gc-check': { type: 'boolean', default: false },
    'gc-calls': { type: 'string', default: '10000000' },
    filter: { type: 'string' },
  },
  strict: true,
});
const TIME_MS = positiveInt('--time', opts.time);
const BATCH = positiveInt('--batch', opts.batch);
const GC_CALLS = positiveInt('--gc-calls', opts['gc-calls']);

const userFilter = opts.filter === undefined ? null : new RegExp(opts.filter);
const names = REALMODE_ROW_NAMES.filter((n) => userFilter === null || userFilter.test(n));
if (names.length === 0) benchUsageExit('bench/realmode.bench', `--filter ${opts.filter}: no row matches (rows: ${REALMODE_ROW_NAMES.join('; ')})`);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const config: SuiteConfig = {
  ...fullConfig(),
  filter: new RegExp(`^(?:${names.map(escape).join('|')})$`),
  micro: { ...fullConfig().micro, timeMs: TIME_MS, warmupMs: 250, batch: BATCH },
};

const result = await runSuite(config, (line) => process.stderr.write(`${line}\n`));
for (const line of formatSuite(result)) console.log(line);

const notes: string[] = [];
if (opts['gc-check']) {
  const rows = realmodeRows(suiteCosts(config), BATCH).filter((r) => names.includes(r.name as (typeof names)[number]));
  const report = await allocationCheck(rows, GC_CALLS, BATCH);
  const width = Math.max(...report.map((a) => a.name.length));
  console.log(`\nallocation check: ${GC_CALLS} calls per row in one loop${report[0]?.forcedGc ? '' : ' (run with --expose-gc for a clean heapUsed baseline)'}`);
  for (const a of report) {
    const line = `${a.name.padEnd(width)}  ${a.nsPerCall.toFixed(1).padStart(6)} ns/call  scavenges ${a.scavenges}  ` +
      `mark-compacts ${a.markCompacts}  heapUsed delta ${(a.heapUsedDeltaBytes / 1024).toFixed(1)} KiB`;
    console.log(`  ${line}`);
    notes.push(`allocation check, ${GC_CALLS} calls: ${line.replace(/\s+/g, ' ')}`);
  }
}

if (opts.json !== undefined) {
  writeFileSync(opts.json, serializeBenchFile({ ...result.file, notes: [...result.file.notes, ...notes] }));
  console.log(`\nwrote ${opts.json}`);
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) benchUsageExit('bench/realmode.bench', `${flag} ${text} must be a positive integer`);
  return n;
}
