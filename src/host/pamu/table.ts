/**
 * Renders a PAMU domain in the layout of seed 001's table (win #, iova, phys, size, note), so
 * a built domain can be compared line for line with the proposal it came from.
 * Runs in: host model only.
 */
import type { PamuDomain } from './pamu-domain.js';

const UNITS: readonly [bigint, string][] = [
  [1n << 30n, 'GB'],
  [1n << 20n, 'MB'],
  [1n << 10n, 'KB'],
];

/** Largest unit that divides exactly: 0x4000000 → "64MB", 0x1000 → "4KB". */
export function formatSize(bytes: bigint): string {
  for (const [unit, name] of UNITS) {
    if (bytes >= unit && bytes % unit === 0n) return `${bytes / unit}${name}`;
  }
  return `${bytes}B`;
}

/** Eight low hex digits, with any higher digits split off by "_" as the seed writes them. */
export function formatAddress(value: bigint): string {
  const low = (value & 0xffffffffn).toString(16).padStart(8, '0');
  const high = value >> 32n;
  return high === 0n ? `0x${low}` : `0x${high.toString(16)}_${low}`;
}

/** Seed 001 numbers its MSI banks from 1; the API's bank index is 0-based. */
function noteOf(msi: { readonly bank: number } | undefined): string {
  return msi ? `msi bank ${msi.bank + 1}` : '';
}

export function renderPamuTable(domain: PamuDomain): string {
  const geometry = domain.geometry;
  if (!geometry) return 'Total aperture: not set';
  const lines = [`Total aperture: ${formatSize(geometry.size)}`, `# of windows: ${domain.windowCount}`];
  if (!domain.windowsConfigured) return [...lines, 'windows not configured'].join('\n');
  lines.push('', 'win gphys/', '#   iova        phys          size', '--- ----        ----          ----');
  for (const window of domain.windows()) {
    const nr = String(window.index).padEnd(4);
    const mapping = window.mapping;
    if (!mapping) {
      lines.push(`${nr}${'-'.padStart(10)}  ${'-'.padStart(12)}  disabled`);
      continue;
    }
    const note = noteOf(mapping.msi);
    const size = formatSize(mapping.size);
    const row = `${nr}${formatAddress(window.iova).padEnd(12)}${formatAddress(mapping.paddr).padEnd(14)}`;
    lines.push(note ? `${row}${size.padEnd(7)}// ${note}` : `${row}${size}`);
  }
  return lines.join('\n');
}
