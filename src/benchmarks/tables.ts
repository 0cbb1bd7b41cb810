/** The text `tcesim bench` prints for a suite run: one table per part, then notes. */
import { mean, median } from '../regression/statistics.js';
import { formatCount, formatFigure, textTable } from '../regression/text-table.js';
import type { ComboRepeat } from './pipeline.js';
import { BARE_STORE_ROW, PUT_ROW } from './realmode-rows.js';
import { comboMedian, storeRatioRow, wallMBPerSec, type SuiteOutput } from './suite.js';

/** Seed 002's measurement: a 10 GbE NIC behind VFIO, every TCE hcall in QEMU vs handled in the kernel. */
const SEED_USERSPACE_MBS = 220;
const SEED_KERNEL_MBS: readonly [number, number] = [750, 1020];

function answered(a: Readonly<Record<string, number>>): string {
  return ['realmode', 'virtmode', 'userspace'].map((t) => formatCount(a[t] ?? 0)).join(' / ');
}

export function formatSuite(s: SuiteOutput): string[] {
  const f = s.file;
  const out: string[] = [];
  const o = f.options;
  out.push(`tcesim bench (${o['quick'] === true ? 'quick' : 'full'}): node ${f.node}, ${f.machine.cpu} x${f.machine.cores}, ` +
    `loadavg ${f.machine.loadavg.map((l) => l.toFixed(2)).join(' ')}, git ${f.git.revision === 'unknown' ? 'unknown' : f.git.revision.slice(0, 12)}` +
    (f.git.dirty === true ? ' (dirty)' : ''));

  if (s.micro.length > 0) {
    const store = s.micro.find((m) => m.record.name === BARE_STORE_ROW)?.record;
    const processes = store?.samples.length ?? s.micro[0]?.record.samples.length ?? 0;
    const micro = o['micro'] as { batch?: number; batchUs?: number } | undefined;
    out.push('', `in-thread rows: ns per call, each sample a batch of calls sized to ${String(micro?.batchUs ?? '?')} us (at most ${String(micro?.batch ?? '?')}), in ${processes} worker processes;`,
      'median and spread (max - min) of the processes\' fastest batches; x store = the row\'s fastest batch over the bare locked store\'s in the same process, median over processes');
    out.push(textTable(['row', 'median ns', 'spread', 'M calls/s', 'M entries/s', 'x store', 'samples'], s.micro.map((m) => {
      const r = m.record.summary;
      const ratios = s.file.benchmarks.find((b) => b.name === storeRatioRow(m.record.name))?.samples ?? (m.record === store ? [1] : []);
      return [
        m.record.name, r.median.toFixed(1), `${((100 * (r.max - r.min)) / r.median).toFixed(0)}%`, (1e3 / r.median).toFixed(2),
        ((1e3 / r.median) * m.entriesPerCall).toFixed(2), ratios.length === 0 ? '-' : median(ratios).toFixed(2), formatCount(m.samples),
      ];
    })));
    const put = s.file.benchmarks.find((b) => b.name === storeRatioRow(PUT_ROW));
    if (put !== undefined) {
      const ratio = median(put.samples);
      out.push(`realmode H_PUT_TCE / bare locked store: ${ratio.toFixed(2)} (goal <= 2: ${ratio <= 2 ? 'met' : 'NOT met'})`);
    }
  }

  const p = s.pipeline;
  if (p !== null && p.combos.length > 0) {
    const repeats = p.trips.length;
    out.push('', `pipeline: threaded runs, time per call after thread start-up (measured directly on each run), medians of ${repeats} repeat(s);`,
      'wall calls/s and MB/s from that time per call;',
      'x bare = steady time per call / the same calls at the bare limits (locked store on the vCPU thread, A + B when they leave it)');
    out.push(textTable(
      ['workload', 'mode', 'vCPUs', 'calls/vCPU', 'steady us/call', 'wall calls/s', 'modelled calls/s', 'wall MB/s', 'modelled MB/s', 'x bare', 'answered R / V / U'],
      p.combos.map((r) => {
        const m = (pick: (x: ComboRepeat) => number): number => comboMedian(r.repeats, pick);
        const steady = m((x) => x.steadyUsPerCall);
        const ok = steady > 0;
        return [
          r.combo.workload, r.combo.mode, String(r.combo.vcpus), formatCount(r.callsPerVcpu), formatFigure(steady),
          ok ? formatCount(1e6 / steady) : 'noise', formatCount(m((x) => x.modelledCallsPerSec)), ok ? formatFigure(m((x) => x.bytesPerCall) / steady) : 'noise',
          formatFigure(m((x) => x.modelledMBPerSec)), ok ? formatFigure(m((x) => x.xBare)) : 'noise', answered(r.repeats[0]?.answeredBy ?? {}),
        ];
      }),
      [1],
    ));
  }

  if (p !== null && p.trips.length > 0) {
    const a = p.trips.flatMap((t) => t.a);
    const b = p.trips.flatMap((t) => t.b);
    out.push('', 'bare limits: round trips a call that leaves its vCPU thread stands on');
    out.push(textTable(['bare round trip', 'median us', 'mean us', 'trips'], [
      ['A: worker -> main message, Atomics.notify back', median(a).toFixed(2), mean(a).toFixed(2), formatCount(a.length)],
      ['B: await pool.run() of a no-op piscina task', median(b).toFixed(2), mean(b).toFixed(2), formatCount(b.length)],
    ]));
    const nic = (mode: string) => p.combos.find((r) => r.combo.workload === 'nic' && r.combo.vcpus === 1 && r.combo.mode === mode);
    const v = nic('virtmode');
    const u = nic('userspace');
    if (v !== undefined && u !== undefined) {
      const vUs = comboMedian(v.repeats, (x) => x.steadyUsPerCall);
      const uUs = comboMedian(u.repeats, (x) => x.steadyUsPerCall);
      const ab = median(a) + median(b);
      // Each figure measured directly (a difference of two noisy figures came out negative under load).
      out.push(textTable(['path (nic, 1 vCPU)', 'us/call', 'bare', 'bare us', 'ratio'], [
        ['real->virtual (virtmode per call)', vUs.toFixed(2), 'A + B', ab.toFixed(2), (vUs / ab).toFixed(2)],
        ['real->virtual->userspace (userspace per call)', uUs.toFixed(2), 'A + B', ab.toFixed(2), (uUs / ab).toFixed(2)],
      ]));
    }
  }

  if (p !== null) {
    const nic = (mode: string) => p.combos.find((r) => r.combo.workload === 'nic' && r.combo.vcpus === 1 && r.combo.mode === mode);
    const rm = nic('realmode');
    const us = nic('userspace');
    if (rm !== undefined && us !== undefined) {
      const mr = comboMedian(rm.repeats, (x) => x.modelledMBPerSec);
      const mu = comboMedian(us.repeats, (x) => x.modelledMBPerSec);
      const wr = comboMedian(rm.repeats, wallMBPerSec);
      const wu = comboMedian(us.repeats, wallMBPerSec);
      const lo = SEED_KERNEL_MBS[0] / SEED_USERSPACE_MBS;
      const hi = SEED_KERNEL_MBS[1] / SEED_USERSPACE_MBS;
      const gain = mr / mu;
      out.push('', 'acceleration gain, nic, 1 vCPU: realmode (in-kernel handling) over userspace only (every TCE hcall in QEMU)');
      out.push(textTable(['clock', 'realmode MB/s', 'userspace MB/s', 'gain'], [
        ['modelled', formatFigure(mr), formatFigure(mu), `${gain.toFixed(2)}x`],
        ['wall-clock', formatFigure(wr), formatFigure(wu), `${(wr / wu).toFixed(2)}x`],
        ['seed 002 (10 GbE NIC, VFIO)', `${SEED_KERNEL_MBS[0]}-${SEED_KERNEL_MBS[1]}`, String(SEED_USERSPACE_MBS), `${lo.toFixed(1)}-${hi.toFixed(1)}x`],
      ]));
      out.push(`modelled gain ${gain.toFixed(2)}x is ${gain >= lo && gain <= hi ? 'within' : 'OUTSIDE'} the seed's ${lo.toFixed(1)}-${hi.toFixed(1)}x; ` +
        'wall-clock measures Node.js thread hops, not POWER');
    }
  }

  const prof = f.profile;
  out.push('', `escalation profile: inline runs, ${prof.vcpus} vCPUs x ${formatCount(prof.callsPerVcpu)} calls, seed ${prof.seed} (exact for the seed)`);
  out.push(textTable(['workload', 'mode', 'calls', 'answered R / V / U', 'escalations'], prof.runs.map((r) => {
    const esc = Object.entries(r.escalations).map(([k, n]) => `${k} ${formatCount(n)}`).join(', ');
    return [r.workload, r.mode, formatCount(r.calls), answered(r.answeredBy), esc === '' ? 'none' : esc];
  }), [1, 4]));

  if (s.speed) out.push(...s.speed.lines);
  // Rows asked for that got no figure are in the bench file too (noFigure), so compare can say why.
  for (const r of f.noFigure ?? []) out.push(`no figure: ${r.name}: ${r.why}`);
  if (f.notes.length > 0) out.push('', ...f.notes.map((n) => `note: ${n}`));
  return out;
}
