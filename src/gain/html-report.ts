/**
 * The one-file HTML report: the gain per machine and the cost ladder as charts, drawn by
 * Vega-Lite (compiled to Vega, rendered to SVG in Node with no browser and no canvas), inlined
 * with the tables, so the file opens anywhere without a network.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { formatFigure } from '../regression/text-table.js';
import { COST_SOURCES } from './cost-sources.js';
import { COST_NAMES, type CostName } from '../pipeline/costs.js';
import { checkMachine, COST_TIER, fmtMiss, fmtPredicted, fmtPublished, type GainReport } from './gain-report.js';

async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Throughput per machine (bars), the wire's limit (a rule) and the gain written on each bar. */
function throughputSpec(r: GainReport): TopLevelSpec {
  const values = r.machines.map((m) => ({
    machine: m.label, mbPerSec: Math.round(m.mbPerSec * 10) / 10, limitedBy: m.limitedBy,
    gain: m.gain === null ? 'base' : `${m.gain.toFixed(2)}x`,
  }));
  const wire = r.machines[0]?.wireMBPerSec ?? 0;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Predicted throughput per machine', subtitle: `gain over the same processor without acceleration; dashed: the wire (${formatFigure(wire)} MB/s)` },
    width: 420,
    height: { step: 34 },
    layer: [
      {
        data: { values },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'machine', type: 'nominal', sort: null, title: null, axis: { labelLimit: 0 } },
          x: { field: 'mbPerSec', type: 'quantitative', title: 'MB/s (predicted)' },
          color: { field: 'limitedBy', type: 'nominal', title: 'limited by', scale: { domain: ['hypercalls', 'wire'], range: ['#e4572e', '#4c78a8'] }, legend: { orient: 'bottom' } },
          tooltip: [{ field: 'machine' }, { field: 'mbPerSec', title: 'MB/s' }, { field: 'gain' }],
        },
      },
      {
        data: { values },
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: {
          y: { field: 'machine', type: 'nominal', sort: null },
          x: { field: 'mbPerSec', type: 'quantitative' },
          text: { field: 'gain', type: 'nominal' },
        },
      },
      {
        data: { values: [{ wire }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#333' },
        encoding: { x: { field: 'wire', type: 'quantitative' } },
      },
    ],
  };
}

/** One colour per cost (Tableau 10, then two more), so a cost keeps its colour in every report. */
export const COST_COLOURS: Readonly<Record<CostName, string>> = {
  realmodeEntry: '#4c78a8', realmodePerEntry: '#9ecae9', virtmodeEntry: '#b279a2', virtmodePerEntry: '#ff9da6',
  pageAllocate: '#9d755d', userspaceEntry: '#f58518', qemuDispatch: '#e45756', userspacePerEntry: '#eeca3b',
  hwEntry: '#54a24b', preregLookup: '#88d27a', vfioIoctl: '#72b7b2', pinPage: '#bab0ac',
};

/** Where a call's modelled time goes: stacked bars of ns per call, one segment per cost. */
function ladderSpec(r: GainReport): TopLevelSpec {
  const values = r.machines.flatMap((m) => m.ladder.filter((s) => s.nsPerCall > 0).map((s) => ({
    machine: m.label, cost: `${s.tier}: ${s.cost}`, ns: Math.round(s.nsPerCall * 10) / 10, source: COST_SOURCES[s.cost].kind,
  })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Cost ladder: modelled ns per call', subtitle: 'each segment one cost, by the tier that pays it' },
    width: 420,
    height: { step: 34 },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'machine', type: 'nominal', sort: null, title: null, axis: { labelLimit: 0 } },
      x: { field: 'ns', type: 'quantitative', stack: 'zero', title: 'ns per call (predicted)' },
      color: {
        field: 'cost', type: 'nominal', title: 'tier: cost', legend: { orient: 'bottom', columns: 2, labelLimit: 0 },
        scale: { domain: COST_NAMES.map((k) => `${COST_TIER[k]}: ${k}`), range: COST_NAMES.map((k) => COST_COLOURS[k]) },
      },
      tooltip: [{ field: 'machine' }, { field: 'cost' }, { field: 'ns', title: 'ns/call' }, { field: 'source', title: 'cost is' }],
    },
  };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`
    + rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('') + '</tbody></table>';
}

export async function gainHtml(r: GainReport): Promise<string> {
  const [throughput, ladder] = await Promise.all([svgOf(throughputSpec(r)), svgOf(ladderSpec(r))]);
  const machines = table(['machine', 'device', 'MB/s', 'calls/s', 'limited by', 'gain', 'ns/call'],
    r.machines.map((m) => [m.label, m.device, formatFigure(m.mbPerSec), formatFigure(m.callsPerSec), m.limitedBy,
      m.gain === null ? 'base' : `${m.gain.toFixed(2)}x`, formatFigure(m.nsPerCall)]));
  const checks = r.checks.length === 0
    ? '<p>Nothing checked: the published figures measure NIC traffic; run the <code>nic</code> workload.</p>'
    : table(['published figure', 'source', 'machine', 'published', 'predicted', 'miss'],
      r.checks.map((c) => [c.says, c.source, checkMachine(c), fmtPublished(c), fmtPredicted(c), fmtMiss(c)]));
  const l = r.leastCertain;
  const least = l === null ? '' : `<p class="least"><b>Least certain cost:</b> <code>${esc(l.cost)}</code> (${esc(COST_SOURCES[l.cost].what)}; ${esc(COST_SOURCES[l.cost].source)}). Halved, the ${esc(l.machine)} gain is ${l.gainHalved.toFixed(2)}x; doubled, ${l.gainDoubled.toFixed(2)}x (now ${l.gain.toFixed(2)}x).</p>`;
  const costs = table(['cost', 'what', 'is', 'source', 'POWER8 ns', 'POWER9+ ns'],
    (Object.keys(COST_SOURCES) as (keyof typeof COST_SOURCES)[]).map((k) => [k, COST_SOURCES[k].what, COST_SOURCES[k].kind, COST_SOURCES[k].source,
      formatFigure(r.machines.find((m) => m.cpu === 'power8')?.costs[k] ?? NaN), formatFigure(r.machines.find((m) => m.cpu === 'power9')?.costs[k] ?? NaN)]));
  const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(',') || 'defaults';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tcesim gain: ${esc(r.workload)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;font-size:.9em}
th{background:#f3f3f3}.chart{margin:1em 0}.least{background:#fff6e0;padding:.5em;border-left:4px solid #e4a52e}
</style></head><body>
<h1>What in-kernel TCE handling buys: ${esc(r.workload)}</h1>
<p>Workload <code>${esc(r.workload)}</code> (${esc(params)}), ${r.vcpus} vCPU(s) x ${r.callsPerVcpu} calls, seed ${r.seed};
link ${r.wire.linkMbps} Mbit/s, MTU ${r.wire.mtu}, ${r.workload === 'nic' ? `${r.bufferBytes}-byte buffers` : 'mapped bytes carried in full frames'}. Made by <code>tcesim gain</code>.</p>
<h2>Predicted</h2>
<div class="chart" id="gain-chart">${throughput}</div>
${machines}
<div class="chart" id="ladder-chart">${ladder}</div>
<h2>Checked against held-out published figures</h2>
${checks}
${least}
<h2>What is predicted and what is checked</h2>
<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<h2>Costs</h2>
${costs}
</body></html>
`;
}
