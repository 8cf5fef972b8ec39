// Small helpers for the benchmarks: percentiles, number formatting and plain-text tables.
// No I/O besides returning strings; the callers print.
'use strict';

/** Nearest-rank percentile of an ascending array; NaN when empty. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function median(values) {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `1234.5` → `1234`, `12.34` → `12.3`, `1.234` → `1.23`; `-` for missing. */
function fmt(v, digits) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  if (digits !== undefined) return v.toFixed(digits);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Renders rows (arrays of strings) under a header; the first column is left-aligned, the others right-aligned. */
function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

module.exports = { percentile, median, fmt, table };
