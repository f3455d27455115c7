// Plain-text tables: the output is read in terminals and pasted into issues and PRs.

/**
 * @param {string[]} header
 * @param {(string | number)[][]} rows
 * @param {{ alignLeft?: number[] }} [opts] indexes of left-aligned columns (default: the first)
 */
export function table(header, rows, { alignLeft = [0] } = {}) {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (/** @type {string[]} */ r) =>
    r.map((c, i) => (alignLeft.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** @param {number} n @param {number} [digits] */
export const fixed = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/** @param {number[]} xs */
export const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** @param {string} title */
export const heading = (title) => `\n== ${title} ${"=".repeat(Math.max(0, 76 - title.length))}`;

/**
 * Nearest-rank percentile (p in 0..100) of the samples; NaN for none.
 * @param {number[]} xs
 * @param {number} p
 */
export function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
