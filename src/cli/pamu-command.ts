/**
 * `tcesim pamu [LAYOUT.json]`: a PAMU domain built through the VFIO container (the RFC's
 * "type 2"), shown as seed 001's table with what the windows hold and pin. With no file it
 * builds the seed's example. A layout the container refuses is one line naming the ioctl, the
 * rule broken and the errno, exit 2: the same as any misuse of the command line.
 */
import { readFileSync } from 'node:fs';
import { buildPamuContainer, type PamuContainerLayout } from '../host/pamu/container-layout.js';
import { guestPamuLayout } from '../host/pamu/guest-layout.js';
import { LayoutFileError, parsePamuLayout } from '../host/pamu/layout-file.js';
import { SEED_001_CONTAINER_LAYOUT } from '../host/pamu/seed-001.js';
import { formatSize, renderPamuTable } from '../host/pamu/table.js';
import type { VfioPamuContainer } from '../host/pamu/vfio-pamu-container.js';
import { runSideBySide, type SideBySide } from '../host/pamu/workload-side.js';
import { isMode, MODES } from '../papr/tiers.js';
import { defaultCosts } from '../pipeline/costs.js';
import { defaultMachineConfig } from '../pipeline/machine-config.js';
import { parseWorkloadArg } from '../workload/registry.js';
import { parseCommandArgs } from './args.js';
import { UsageError } from './usage-error.js';

/** The workloads of a passed-through device that PAMU serves as well as sPAPR TCE. */
const PAMU_WORKLOADS = ['nic', 'storage'] as const;
const DEFAULT_CALLS = 20_000;
const DEFAULT_VCPUS = 2;

/** A bandwidth; unbounded when the workload models no guest time (e.g. nic without guest=NS). */
function bandwidth(mbPerSec: number): string {
  return Number.isFinite(mbPerSec) ? `${fmt(mbPerSec, 1)} MB/s` : 'unbounded';
}

export const PAMU_HELP = `tcesim pamu [LAYOUT.json]

Builds a Freescale PAMU domain through the modelled VFIO container (seed 001's "type 2":
SET_ATTR geometry and windows, MAP_DMA per guest RAM range, MAP_MSI_BANK per MSI window) and
prints it as the seed's table: window, iova, physical address, size, what it holds. Then the
windows by content and the memory they pin. With no file: the seed's example, a 256 MB guest in a
512 MB aperture of 8 windows (4 x 64 MB RAM, 3 MSI banks, 1 disabled).

tcesim pamu [LAYOUT.json] --workload nic|storage[:KEY=VALUE,...] [--mode M] [--vcpus N]
                [--calls N] [--seed S]
The two designs side by side: the workload's traffic through the sPAPR TCE pipeline (a map and
an unmap hypercall per buffer, run inline in mode M, default realmode) and on a PAMU-backed
device whose guest RAM was mapped whole at setup (no hypercall per packet). Shows PAMU's setup
cost on the modelled clock (src/pipeline/costs.ts; docs/pamu.md), the windows and bytes it
pins, both designs' modelled time and bandwidth, and the traffic after which the setup has paid
for itself. Without LAYOUT.json the domain maps the machine's guest RAM in 64 MB windows.
  --calls N   calls per vCPU on the TCE side   [20000]
  --vcpus N   vCPUs, one device each          [2]
  --seed S    the workload's seed             [1]

LAYOUT.json is a "tcesim-pamu-layout/1" file (docs/pamu.md; examples/pamu-seed-001.json).
A layout PAMU refuses prints one line: the ioctl, the rule broken and its errno, e.g.
  tcesim: bad.json: refused by VFIO_IOMMU_SET_ATTR windows: window count 6 is not a power of two (EINVAL)
Exit codes: 0 built; 2 a refused layout, a file that is not a layout, or misuse.`;

function readLayout(path: string): PamuContainerLayout {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    throw new UsageError(code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path}: is a folder, not a layout file` : `${path}: cannot read (${code || String(e)})`);
  }
  try {
    return parsePamuLayout(text, path);
  } catch (e) {
    if (e instanceof LayoutFileError) throw new UsageError(e.message);
    throw e;
  }
}

/** What the windows hold and pin, below the table. */
function summary(container: VfioPamuContainer): string[] {
  const windows = container.domain.windows();
  const dma = container.dmaWindows();
  const msi = windows.filter((w) => w.mapping?.msi).length;
  const disabled = windows.filter((w) => !w.mapping).length;
  const pinned = dma.reduce((sum, w) => sum + w.size, 0n);
  const limit = container.host.lockedLimit;
  return [
    '',
    `windows: ${dma.length} guest RAM, ${msi} MSI bank, ${disabled} disabled (of ${windows.length}); DMA ${container.domain.enabled ? 'enabled' : 'disabled'}`,
    `pinned for the guest's lifetime: ${formatSize(pinned)} in ${dma.length} windows, ${container.host.pinnedPages} host pages of ${formatSize(BigInt(2 ** container.host.pageShift))}`,
    `locked memory: ${formatSize(BigInt(container.host.lockedBytes))} charged, limit ${limit === Infinity ? 'none (CAP_IPC_LOCK)' : formatSize(BigInt(limit))}`,
  ];
}

function intOption(name: string, text: string | undefined, def: number, min: number, max: number): number {
  if (text === undefined) return def;
  const v = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`--${name} ${JSON.stringify(text)} must be an integer from ${min} to ${max}`);
  return v;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bytes in binary megabytes or gigabytes with one decimal: traffic is rarely a whole unit. */
function fmtBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${fmt(bytes / 2 ** 30, 1)} GB` : `${fmt(bytes / 2 ** 20, 1)} MB`;
}

function sideBySideLines(name: string, workload: string, mode: string, vcpus: number, calls: number, seed: number, r: SideBySide): string[] {
  const costs = defaultCosts();
  const s = r.setup;
  const counts = [...r.container.ioctlCounts()].map(([ioctl, n]) => `${ioctl.replace('VFIO_IOMMU_', '')} x${n}`).join(', ');
  const dma = r.container.dmaWindows();
  const pinned = dma.reduce((sum, w) => sum + w.size, 0n);
  const ms = (ns: number): string => `${fmt(ns / 1e6, 3)} ms`;
  // Bytes of this traffic whose hypercall time equals PAMU's setup: beyond it PAMU is ahead.
  const nsPerByte = r.tce.bytes > 0 ? r.tce.hcallNs / r.tce.bytes : 0;
  const breakEven = nsPerByte > 0 ? s.totalNs / nsPerByte : Infinity;
  const row = (what: string, tce: string, pamu: string): string => `${what.padEnd(34)}${tce.padStart(20)}${pamu.padStart(20)}`;
  return [
    `tcesim pamu --workload ${workload}: ${vcpus} vCPU(s) x ${fmt(calls)} calls, seed ${seed}; sPAPR TCE in ${mode}; PAMU domain: ${name}`,
    '',
    'PAMU setup, once per guest before the first packet (modelled clock, src/pipeline/costs.ts):',
    `  ioctls        ${fmt(s.ioctls)} (${counts}) x vfioIoctl ${fmt(costs.vfioIoctl)} ns = ${ms(s.ioctlNs)}`,
    `  pinned pages  ${fmt(s.pinnedPages)} x ${formatSize(BigInt(2 ** r.container.host.pageShift))} x pinPage ${fmt(costs.pinPage)} ns = ${ms(s.pinNs)}`,
    `  windows       ${fmt(s.windowsEnabled)} enabled x hwEntry ${fmt(costs.hwEntry)} ns = ${ms(s.windowNs)}`,
    `  total         ${ms(s.totalNs)}`,
    `  pinned for the guest's lifetime: ${formatSize(pinned)} in ${dma.length} windows of ${formatSize(r.container.domain.subWindowSize ?? 0n)}; locked memory ${formatSize(BigInt(r.container.host.lockedBytes))}`,
    `  guest RAM reachable by the device: ${fmt(r.reachablePages)} of ${fmt(r.ramPages)} pages (${formatSize(r.ramBytes)})`,
    '',
    row('the same traffic', `sPAPR TCE (${mode})`, 'PAMU'),
    row('map/unmap hypercalls', fmt(r.tce.hcalls), fmt(r.pamu.hcalls)),
    row('modelled hypercall time, all vCPUs', ms(r.tce.hcallNs), ms(r.pamu.hcallNs)),
    row('modelled run time (slowest vCPU)', ms(r.tce.modelledNs), ms(r.pamu.modelledNs)),
    row('bytes mapped for DMA', fmtBytes(r.tce.bytes), fmtBytes(r.pamu.bytes)),
    row('modelled DMA bandwidth', bandwidth(r.tce.mbPerSec), bandwidth(r.pamu.mbPerSec)),
    '',
    Number.isFinite(breakEven)
      ? `PAMU's setup equals the hypercall time of ${fmtBytes(breakEven)} of this traffic (${fmt(breakEven / Math.max(1, r.tce.bytes) * r.tce.hcalls)} TCE hypercalls); beyond that PAMU is ahead, at the price of ${formatSize(pinned)} pinned.`
      : 'No TCE hypercall time in this traffic: PAMU\'s setup never pays back.',
  ];
}

function workloadCommand(path: string | undefined, layout: PamuContainerLayout | undefined, values: Record<string, string | undefined>, out: (line: string) => void): number {
  let parsed;
  try {
    parsed = parseWorkloadArg(values.workload as string);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--workload ${JSON.stringify(values.workload)}: ${e.message}`);
    throw e;
  }
  if (!(PAMU_WORKLOADS as readonly string[]).includes(parsed.name)) {
    throw new UsageError(`--workload ${JSON.stringify(values.workload)}: pamu compares ${PAMU_WORKLOADS.join(' and ')} (a passed-through device's traffic)`);
  }
  const mode = values.mode ?? 'realmode';
  if (!isMode(mode)) throw new UsageError(`--mode ${JSON.stringify(mode)} must be one of ${MODES.join(', ')}`);
  const vcpus = intOption('vcpus', values.vcpus, DEFAULT_VCPUS, 1, 64);
  const calls = intOption('calls', values.calls, DEFAULT_CALLS, 1, 10_000_000);
  const seed = intOption('seed', values.seed, 1, 0, 2 ** 32 - 1);
  const name = path ?? `the machine's ${formatSize(defaultMachineConfig().ramBytes)} guest RAM in 64MB windows`;
  let r;
  try {
    r = runSideBySide({
      workload: parsed.name, params: parsed.params, mode, vcpus, calls, seed, costs: defaultCosts(),
      layout: layout ?? guestPamuLayout(defaultMachineConfig().ramBytes),
    });
  } catch (e) {
    // A workload parameter out of range, or a layout's backing the memory model cannot hold.
    if (e instanceof RangeError) throw new UsageError(`${path ?? '--workload'}: ${e.message}`);
    throw e;
  }
  if (!r.ok) throw new UsageError(`${name}: ${r.reason}`);
  if (r.reachablePages < r.ramPages) {
    r.container.release();
    throw new UsageError(`${name}: the windows reach ${r.reachablePages} of the guest's ${r.ramPages} RAM pages; ${parsed.name}'s buffers may lie anywhere in RAM, so PAMU must map all of it`);
  }
  for (const line of sideBySideLines(name, values.workload as string, mode, vcpus, calls, seed, r)) out(line);
  r.container.release();
  return 0;
}

export function pamuCommand(argv: string[], out: (line: string) => void): number {
  const { values, positionals } = parseCommandArgs('pamu', argv, {
    workload: { type: 'string' }, mode: { type: 'string' }, vcpus: { type: 'string' }, calls: { type: 'string' }, seed: { type: 'string' },
  });
  if (positionals.length > 1) throw new UsageError(`pamu takes at most one layout file, got ${positionals.join(' ')}`);
  const path = positionals[0];
  if (values.workload !== undefined) return workloadCommand(path, path === undefined ? undefined : readLayout(path), values, out);
  for (const option of ['mode', 'vcpus', 'calls', 'seed'] as const) {
    if (values[option] !== undefined) throw new UsageError(`--${option} is only for pamu --workload`);
  }
  const layout = path === undefined ? SEED_001_CONTAINER_LAYOUT : readLayout(path);
  const name = path ?? 'seed 001';
  let built;
  try {
    built = buildPamuContainer(layout);
  } catch (e) {
    // The process-memory model refuses backing it cannot represent (a caller's description bug).
    if (e instanceof RangeError) throw new UsageError(`${name}: ${e.message}`);
    throw e;
  }
  if (!built.ok) throw new UsageError(`${name}: refused by ${built.step}: ${built.reason} (${built.errno})`);
  out(`PAMU domain: ${name}, through the VFIO container`);
  out('');
  for (const line of renderPamuTable(built.container.domain).split('\n')) out(line);
  for (const line of summary(built.container)) out(line);
  built.container.release();
  return 0;
}
