/** Plain-text tables and numbers for the bench and compare output. */

/**
 * Columns padded to their widest cell, a rule under the header: text columns (the first, and
 * those listed in `leftColumns`) left-aligned, the others (figures) right-aligned.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns: readonly number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = (i: number): boolean => i === 0 || leftColumns.includes(i);
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (left(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A figure with about four significant digits, grouped by thousands: 52.13, 1,234,567, 0.0123. */
export function formatFigure(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs === 0) return '0';
  const digits = Math.max(0, Math.min(6, 3 - Math.floor(Math.log10(abs))));
  return x.toFixed(digits);
}

/** A whole number grouped by thousands. */
export function formatCount(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** A signed percentage with one decimal: +3.2%, -40.0%. */
export function formatPercent(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+inf%' : '-inf%';
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}

/** A p-value: four decimals, or an upper bound when it is tiny. */
export function formatP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}
