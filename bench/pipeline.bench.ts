/**
 * The threaded pipeline's throughput per mode on nic with 1 vCPU, and what each thread hop
 * costs next to the bare round trip it stands on: the pipeline part of the suite behind
 * `tcesim bench` (src/benchmarks/pipeline.ts), with this script's own call counts.
 *
 *   npm run build && node dist/bench/pipeline.bench.js           # full run (about a minute)
 *   node dist/bench/pipeline.bench.js --quick                     # fewer calls and repeats
 *   node dist/bench/pipeline.bench.js --json > pipeline.json      # stdout: a bench file, no tables
 *
 * Options: --repeats N (runs per mode, default 5), --realmode-calls N (default 1_000_000),
 * --hop-calls N (calls of a virtmode or userspace run, default 12_000), --trips N (timed bare
 * round trips of each kind per repeat, default 4000), --seed S (default 1), --quick, --json.
 *
 * Each repeat times the bare round trips (A: worker -> main message and Atomics.notify back;
 * B: await pool.run() of a no-op piscina task), then runs each mode twice, with N and N/4
 * calls: the steady time per call is the slope between the two, so thread start-up and JIT
 * warm-up drop out. Figures are medians of the repeats. The hop table sets the real->virtual
 * hop (virtmode's time per call) against A + B and the virtual->userspace hop (userspace minus
 * virtmode) against B.
 *
 * On this VM a thread wake-up costs several times more when the other core is idle than when
 * it is busy: quote figures with the loadavg printed at the start, and compare runs made under
 * the same load.
 */
import { fullConfig, type SuiteConfig } from '../src/benchmarks/config.js';
import { runSuite } from '../src/benchmarks/suite.js';
import { formatSuite } from '../src/benchmarks/tables.js';
import { serializeBenchFile } from '../src/regression/format.js';
import { benchArgs, benchUsageExit } from '../src/benchmarks/bench-cli.js';

const { values: opts } = benchArgs('bench/pipeline.bench', {
  options: {
    repeats: { type: 'string' },
    'realmode-calls': { type: 'string' },
    'hop-calls': { type: 'string' },
    trips: { type: 'string' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = opts.quick;
const REPEATS = positiveInt('--repeats', opts.repeats ?? (quick ? '3' : '5'));
const REALMODE_CALLS = positiveInt('--realmode-calls', opts['realmode-calls'] ?? (quick ? '200000' : '1000000'));
const HOP_CALLS = positiveInt('--hop-calls', opts['hop-calls'] ?? (quick ? '4000' : '12000'));
if (REALMODE_CALLS < 4 || HOP_CALLS < 4) benchUsageExit('bench/pipeline.bench', '--realmode-calls and --hop-calls must be at least 4 (the short run makes a quarter)');
const TRIPS = positiveInt('--trips', opts.trips ?? (quick ? '1000' : '4000'));
const SEED = Number(opts.seed);
if (!Number.isInteger(SEED) || SEED < 0 || SEED > 2 ** 32 - 1) benchUsageExit('bench/pipeline.bench', `--seed ${opts.seed} must be an integer from 0 to 2^32-1`);

const base = fullConfig();
const config: SuiteConfig = {
  ...base,
  quick,
  filter: /^pipeline nic \S+ 1vcpu |^bare |^gain /,
  micro: quick ? { ...base.micro, timeMs: 250, warmupMs: 100 } : base.micro,
  pipeline: {
    ...base.pipeline, repeats: REPEATS, vcpuCounts: [1], trips: TRIPS, seed: SEED,
    callsPerVcpuByMode: { realmode: REALMODE_CALLS, virtmode: HOP_CALLS, userspace: HOP_CALLS },
  },
};

const result = await runSuite(config, (line) => process.stderr.write(`${line}\n`));
if (opts.json) {
  process.stdout.write(serializeBenchFile(result.file));
} else {
  for (const line of formatSuite(result)) console.log(line);
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) benchUsageExit('bench/pipeline.bench', `${flag} ${text} must be a positive integer`);
  return n;
}
