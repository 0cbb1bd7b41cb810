/**
 * The HTML report in a real browser: Debian's headless Chromium (installed by .ci/run) loads the
 * file, and the test checks that the charts drew: the DOM it built holds the bars of each chart,
 * and its screenshot shows both throughput colours and the ladder's segments. The file needs
 * nothing from the network.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import type { GainReport } from '../../src/gain/gain-report.js';
import { COST_COLOURS } from '../../src/gain/html-report.js';
import { countColour, readPng } from './png.js';

const CHROMIUM = ['chromium', 'chromium-browser'].find((c) => {
  try {
    execFileSync(c, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

function chromium(args: string[]): string {
  if (CHROMIUM === undefined) throw new Error('no chromium on PATH: .ci/run installs Debian\'s package (apt-get install -y chromium)');
  return execFileSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 });
}

const dir = mkdtempSync(join(tmpdir(), 'tcesim-html-'));
const file = join(dir, 'gain.html');
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
// The report is made by the command in a child process: a run's guest RAM (1 GiB of shared
// memory per machine) in this process can make the later browser launches fail to fork.
const report = JSON.parse(execFileSync(process.execPath, [MAIN, 'gain', '--calls', '1000', '--json', '--html', file], { encoding: 'utf8' })) as GainReport;

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('one self-contained file: inline SVG charts, no scripts, nothing fetched', () => {
  const html = readFileSync(file, 'utf8');
  assert.not.match(html, /<script/i);
  assert.not.match(html, /\s(src|href)=["']?https?:/i);
  assert.is((html.match(/<svg /g) ?? []).length, 2);
});

test('the browser builds both charts: a bar per machine, a segment per cost paid', () => {
  const dom = chromium(['--dump-dom', `file://${file}`]);
  const chart = (id: string): string => {
    const start = dom.indexOf(`id="${id}"`);
    assert.ok(start >= 0, id);
    return dom.slice(start, dom.indexOf('</svg>', start));
  };
  const bars = (svg: string): number => {
    const g = svg.indexOf('mark-rect role-mark');
    assert.ok(g >= 0, 'a rect mark group');
    const body = svg.slice(g, svg.indexOf('</g>', g));
    return (body.match(/<path /g) ?? []).length;
  };
  assert.is(bars(chart('gain-chart')), report.machines.length);
  const segments = report.machines.reduce((n, m) => n + m.ladder.filter((s) => s.nsPerCall > 0).length, 0);
  assert.is(bars(chart('ladder-chart')), segments);
});

test('the screenshot shows the charts: both throughput colours and several ladder colours painted', () => {
  const png = join(dir, 'shot.png');
  chromium([`--screenshot=${png}`, '--window-size=1100,2600', `file://${file}`]);
  const img = readPng(readFileSync(png));
  assert.is(img.width, 1100);
  const wire = countColour(img, '#4c78a8');
  const hcalls = countColour(img, '#e4572e');
  assert.ok(hcalls > 2000, `hypercall-limited bars painted: ${hcalls} px`);
  assert.ok(wire > 2000, `wire-limited bar painted: ${wire} px`);
  // The ladder's biggest segments: the exit to the host kernel, QEMU's exit and dispatch, and the
  // VFIO ioctl of the machines QEMU maps for.
  for (const k of ['virtmodeEntry', 'userspaceEntry', 'qemuDispatch', 'vfioIoctl'] as const) {
    assert.ok(countColour(img, COST_COLOURS[k]) > 300, `ladder colour of ${k}: ${countColour(img, COST_COLOURS[k])} px`);
  }
});

test.run();
