/** `tcesim compare BASE NEW`: the regression verdict between two bench files. */
import { readFileSync } from 'node:fs';
import { compareBenchFiles, DEFAULT_COMPARE_OPTIONS } from '../regression/compare.js';
import { formatComparison } from '../regression/compare-report.js';
import { BenchFileError, parseBenchFile, type BenchFile } from '../regression/format.js';
import { parseCommandArgs } from './args.js';
import { UsageError } from './usage-error.js';

export const COMPARE_HELP = `tcesim compare BASE NEW [--threshold 5%] [--alpha 0.05]

Compares two files written by tcesim bench --json (run both on the same machine). For each
benchmark on both sides: base and new median, change, p-value and a verdict. A benchmark is
slower (or faster) only when the medians differ significantly (p < alpha, from the change over
its standard error, estimated from the spread between the samples of each side) AND by more
than the threshold, the benchmark's own larger minimum (recorded in the file for figures that
cross threads), and 3 standard errors ("noise"). Figures without spread (modelled ones) compare exactly.
Then every count of the escalation profiles that differs (run, count, base, new).
Benchmarks on one side only are listed.

  --threshold P   smallest change of the medians that counts, in percent      [5%]
  --alpha A       significance level of the test, from 0 to 0.5              [0.05]

In-thread rows hold one figure per worker process (tcesim bench runs them in several), so the
test judges the variation between processes; their ratio to the bare locked store measured in
the same process ("ROW / bare store") cancels what slows a whole process down.

Exit codes: 0 no regression; 1 a benchmark is slower, a benchmark of BASE is missing from NEW,
or the escalation profile changed; 2 misuse (a missing file, a file that is not a bench file, a
bad threshold, a file without benchmarks, or no benchmark in common).`;

function parseThreshold(text: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  const v = m === null ? NaN : Number(m[1]);
  if (!Number.isFinite(v) || v > 1000) throw new UsageError(`--threshold ${JSON.stringify(text)} must be a percentage from 0% to 1000%, such as 5%`);
  return v;
}

function parseAlpha(text: string): number {
  const v = /^\d*\.?\d+(?:e-?\d+)?$/i.test(text.trim()) ? Number(text) : NaN;
  if (!(v > 0 && v <= 0.5)) throw new UsageError(`--alpha ${JSON.stringify(text)} must be a number above 0 and at most 0.5, such as 0.05`);
  return v;
}

/** Reads a bench file; every problem is a UsageError naming the file. */
function readBenchFile(path: string): BenchFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    throw new UsageError(code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path}: is a folder, not a bench file` : `${path}: cannot read (${code || String(e)})`);
  }
  try {
    return parseBenchFile(text, path);
  } catch (e) {
    if (e instanceof BenchFileError) throw new UsageError(e.message);
    throw e;
  }
}

export function compareCommand(argv: string[], out: (line: string) => void): number {
  const { values, positionals } = parseCommandArgs('compare', argv, { threshold: { type: 'string' }, alpha: { type: 'string' } });
  if (positionals.length !== 2) {
    throw new UsageError(`compare needs two bench files, BASE and NEW, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  }
  const options = {
    thresholdPercent: values.threshold === undefined ? DEFAULT_COMPARE_OPTIONS.thresholdPercent : parseThreshold(values.threshold),
    alpha: values.alpha === undefined ? DEFAULT_COMPARE_OPTIONS.alpha : parseAlpha(values.alpha),
  };
  const [basePath, newPath] = positionals as [string, string];
  const base = readBenchFile(basePath);
  const next = readBenchFile(newPath);
  // Nothing to compare is not "no regression": a CI step that measured nothing must fail.
  for (const [path, f] of [[basePath, base], [newPath, next]] as const) {
    if (f.benchmarks.length === 0) throw new UsageError(`${path}: no benchmarks in it: nothing to compare`);
  }
  const baseNames = new Set(base.benchmarks.map((b) => b.name));
  if (!next.benchmarks.some((b) => baseNames.has(b.name))) {
    throw new UsageError(`${basePath} and ${newPath} have no benchmark in common: nothing to compare (were they run with different --filter?)`);
  }
  const c = compareBenchFiles(base, next, options);
  for (const line of formatComparison(c, base, next)) out(line);
  return c.exitCode;
}
