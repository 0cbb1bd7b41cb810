/**
 * The in-thread rows of `tcesim bench --quick` (same worker processes, same settings), with
 * one or more rows made slower on purpose: the check that `tcesim compare` reports a slowdown
 * of a given size (docs/regression.md, "Checked").
 *
 *   node dist/bench/slowdown.bench.js --json base.json
 *   node dist/bench/slowdown.bench.js --slow '^realmode H_GET_TCE$' --percent 10 --json slow.json
 *   node dist/src/cli/main.js compare base.json slow.json
 *
 * --slow REGEX   rows to slow down (the suite's test hook: a busy-wait inside each timed batch
 *                for PERCENT of the time its calls took, src/benchmarks/batch.ts)
 * --percent N    how much slower, in percent (default 10)
 * --json FILE    the bench file to write (required)
 */
import { writeFileSync } from 'node:fs';
import { quickConfig, type SuiteConfig } from '../src/benchmarks/config.js';
import { REALMODE_ROW_NAMES } from '../src/benchmarks/realmode-rows.js';
import { runSuite } from '../src/benchmarks/suite.js';
import { formatSuite } from '../src/benchmarks/tables.js';
import { serializeBenchFile } from '../src/regression/format.js';
import { benchArgs, benchUsageExit } from '../src/benchmarks/bench-cli.js';

const { values: opts } = benchArgs('bench/slowdown.bench', {
  options: { slow: { type: 'string' }, percent: { type: 'string', default: '10' }, json: { type: 'string' } },
  strict: true,
});
if (opts.json === undefined) benchUsageExit('bench/slowdown.bench', '--json FILE is required');
const percent = Number(opts.percent);
if (!(percent > 0 && percent <= 1000)) benchUsageExit('bench/slowdown.bench', `--percent ${opts.percent} must be a number above 0 and at most 1000`);
const slow = opts.slow === undefined ? null : new RegExp(opts.slow);
if (slow !== null && !REALMODE_ROW_NAMES.some((n) => slow.test(n))) {
  benchUsageExit('bench/slowdown.bench', `--slow ${opts.slow}: no in-thread row matches (rows: ${REALMODE_ROW_NAMES.join('; ')})`);
}
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const config: SuiteConfig = {
  ...quickConfig(),
  filter: new RegExp(`^(?:${REALMODE_ROW_NAMES.map(escape).join('|')})$`),
  delay: slow === null ? null : { rows: slow, percent },
};
const result = await runSuite(config, (line) => process.stderr.write(`${line}\n`));
for (const line of formatSuite(result)) console.log(line);
writeFileSync(opts.json, serializeBenchFile(result.file));
console.log(`\nwrote ${opts.json}${slow === null ? '' : `: rows matching /${slow.source}/ made ${percent}% slower`}`);
