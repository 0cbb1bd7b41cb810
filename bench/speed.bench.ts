/**
 * How fast tcesim runs, in one run (issue 13; src/benchmarks/speed-rows.ts): each thread hop
 * beside the bare spin and futex round trips, threaded virtmode and userspace calls/s on 1, 2
 * and 4 vCPUs (and 1 vCPU with polling off), the replay of a 400k-call real-shaped trace
 * (made from the sample trace in the temporary folder) in every mode, and trace parsing per
 * line from bytes and from text.
 *
 *   npm run build && node dist/bench/speed.bench.js            # a few minutes
 *   node dist/bench/speed.bench.js --quick                      # one repeat, shorter runs
 *   node dist/bench/speed.bench.js --filter 'hop'               # only rows whose name matches
 *
 * Wall-clock figures on a shared machine: quote them with the loadavg printed first.
 */
import { loadavg } from 'node:os';
import { runSpeedRows, speedRowNames, speedSettings } from '../src/benchmarks/speed-rows.js';
import { textTable, formatFigure } from '../src/regression/text-table.js';
import { benchArgs, benchUsageExit } from '../src/benchmarks/bench-cli.js';

const { values: opts } = benchArgs('bench/speed.bench', {
  options: { quick: { type: 'boolean', default: false }, filter: { type: 'string' } },
  strict: true,
});
const filter = opts.filter === undefined ? null : new RegExp(opts.filter);
const wanted = (name: string): boolean => filter === null || filter.test(name);
if (!speedRowNames().some(wanted)) benchUsageExit('bench/speed.bench', `--filter ${opts.filter ?? ''} matches no row of: ${speedRowNames().join(', ')}`);
console.log(`speed bench (${opts.quick ? 'quick' : 'full'}), loadavg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const out = await runSpeedRows(speedSettings(opts.quick), wanted, (line) => process.stderr.write(`${line}\n`));
for (const line of out.lines) console.log(line);
console.log('', textTable(['row', 'median', 'unit', 'samples'], out.records.map((r) => [r.name, formatFigure(r.summary.median), r.unit, String(r.summary.n)]), [0, 2]));
console.log(`loadavg at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
