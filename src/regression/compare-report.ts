/** The text `tcesim compare` prints for a Comparison. */
import { NOISE_FACTOR, type BenchmarkComparison, type Comparison } from './compare.js';
import type { BenchFile } from './format.js';
import { formatFigure, formatP, formatPercent, textTable } from './text-table.js';

function describe(label: string, f: BenchFile): string {
  const rev = f.git.revision === 'unknown' ? 'revision unknown' : `${f.git.revision.slice(0, 12)}${f.git.dirty === true ? ' (dirty)' : ''}`;
  return `${label}: ${rev}, ${f.date}, node ${f.node}, ${f.machine.cpu} x${f.machine.cores}`;
}

function thresholdText(b: BenchmarkComparison): string {
  return b.thresholdFrom === 'noise' ? `${b.thresholdPercent.toFixed(1)}% noise` : `${b.thresholdPercent}%`;
}

/** Lines for the comparison of `base` and `next`. */
export function formatComparison(c: Comparison, base: BenchFile, next: BenchFile): string[] {
  const out: string[] = [describe('base', base), describe('new ', next)];
  if (base.machine.cpu !== next.machine.cpu || base.machine.cores !== next.machine.cores || base.node !== next.node) {
    out.push('note: base and new ran on different machines or Node versions; their timings are not comparable');
  }
  if (base.options['quick'] !== next.options['quick']) {
    out.push(`note: base was a ${base.options['quick'] === true ? 'quick' : 'full'} run, new a ${next.options['quick'] === true ? 'quick' : 'full'} one: sample counts differ`);
  }
  out.push(`verdict: p < ${c.options.alpha} (z = change / its standard error) and a change of the medians beyond the threshold: at least ${c.options.thresholdPercent}%, ` +
    `the row's own minimum, and ${NOISE_FACTOR} standard errors of the change (from the spread between samples, marked "noise")`);
  out.push('');
  if (c.benchmarks.length > 0) {
    out.push(textTable(['benchmark', 'unit', 'base median', 'new median', 'change', 'p-value', 'threshold', 'verdict'], c.benchmarks.map((b) => [
      b.name, b.unit, formatFigure(b.baseMedian), formatFigure(b.newMedian), formatPercent(b.changePercent),
      b.exact ? 'exact' : `${formatP(b.p)}${b.testable ? '' : '*'}`, thresholdText(b), b.verdict,
    ]), [1, 7]));
    if (c.benchmarks.some((b) => !b.testable)) {
      out.push(`* too few samples on a side for p < ${c.options.alpha} (the normal approximation needs about 4 per side): never a verdict`);
    }
  } else {
    out.push('no benchmark on both sides');
  }
  for (const name of c.onlyInBase) out.push(`missing from new: ${name} (a regression: it is no longer measured)`);
  for (const x of c.noFigureInNew) {
    out.push(x.hidesVerdict
      ? `no figure in new: ${x.name}: ${x.why} (a regression: with ${x.planned} sample(s) planned it could have got a verdict)`
      : `no figure in new: ${x.name}: ${x.why} (not a regression: with ${x.planned} sample(s) planned it could never get a verdict)`);
  }
  for (const x of c.noFigureInBase) out.push(`no figure in base: ${x.name}: ${x.why} (not compared)`);
  for (const name of c.onlyInNew) out.push(`only in new:  ${name}`);
  for (const x of c.incomparable) out.push(`not compared: ${x.name}: ${x.why}`);
  out.push('');
  if (c.profileChanges.length === 0) {
    out.push('escalation profile: unchanged');
  } else {
    out.push(`escalation profile: ${c.profileChanges.length} count(s) changed`);
    out.push(textTable(['run', 'count', 'base', 'new'], c.profileChanges.map((x) => [x.run, x.count, String(x.base), String(x.new)]), [1]));
  }
  for (const r of c.profileOnlyInBase) out.push(`profile only in base: ${r}`);
  for (const r of c.profileOnlyInNew) out.push(`profile only in new:  ${r}`);
  const unchanged = c.benchmarks.length - c.slower - c.faster;
  const reasons: string[] = [];
  if (c.slower > 0) reasons.push(`${c.slower} slower`);
  if (c.onlyInBase.length > 0) reasons.push(`${c.onlyInBase.length} missing from new`);
  const hidden = c.noFigureInNew.filter((x) => x.hidesVerdict).length;
  if (hidden > 0) reasons.push(`${hidden} without a figure in new`);
  if (c.profileChanges.length > 0) reasons.push('the escalation profile changed');
  out.push('');
  out.push(`${c.slower} slower, ${c.faster} faster, ${unchanged} unchanged` +
    (c.exitCode === 0 ? ': no regression' : `: regression (${reasons.join(', ')})`));
  return out;
}
