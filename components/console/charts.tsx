"use client";

import type { ReactElement } from "react";

/**
 * The console's charts as plain SVG: stacked bars and a rate line are all it draws, and a
 * charting library (recharts, ~113 kB gzipped) cost more than the rest of the overview's
 * JavaScript together. Hover shows each bar's or point's numbers (SVG <title>); screen
 * readers get the figure's text summary instead of the drawing.
 */

/** Mid-tone colours that read on both themes. */
export const PALETTE = ["#0ea5e9", "#f59e0b", "#10b981", "#a855f7", "#ef4444", "#64748b"];

const W = 600;
const H = 224;
const M = { top: 10, right: 10, bottom: 22, left: 38 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
const FONT = 11;

/** A chart with a caption and a text summary for screen readers (the SVG itself is hidden from them). */
export function ChartFigure({ title, summary, children }: { title: string; summary: string; children: ReactElement }) {
  return (
    <figure className="rounded-lg border border-line bg-surface p-4">
      <figcaption className="mb-2 text-sm font-semibold">{title}</figcaption>
      <p className="sr-only">{summary}</p>
      <div aria-hidden="true" className="text-muted">
        {children}
      </div>
    </figure>
  );
}

type Row = Record<string, string | number | null>;

/** A round upper bound for the axis (1, 2, 5 times a power of ten) and whole-number ticks. */
function scale(max: number): { top: number; ticks: number[] } {
  if (max <= 0) return { top: 1, ticks: [0, 1] };
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((s) => s * power >= max) ?? 10;
  const top = Math.max(1, step * power);
  const parts = top <= 4 ? top : 4;
  return { top, ticks: Array.from({ length: parts + 1 }, (_, i) => Math.round((top * i) / parts)) };
}

const yOf = (v: number, top: number) => M.top + PLOT_H - (v / top) * PLOT_H;

function Axes({ labels, ticks, top, unit = "" }: { labels: string[]; ticks: number[]; top: number; unit?: string }) {
  const band = PLOT_W / Math.max(1, labels.length);
  // At most ~8 labels under the axis, whatever the number of bars.
  const every = Math.max(1, Math.ceil(labels.length / 8));
  return (
    <g fontSize={FONT} fill="currentColor">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={M.left} x2={W - M.right} y1={yOf(t, top)} y2={yOf(t, top)} stroke="var(--line)" strokeDasharray={t === 0 ? undefined : "3 3"} />
          <text x={M.left - 6} y={yOf(t, top)} textAnchor="end" dominantBaseline="middle">
            {t}
            {unit}
          </text>
        </g>
      ))}
      {labels.map((l, i) =>
        i % every === 0 ? (
          <text key={`${l}-${i}`} x={M.left + band * (i + 0.5)} y={H - 6} textAnchor="middle">
            {l}
          </text>
        ) : null,
      )}
    </g>
  );
}

function Legend({ keys }: { keys: string[] }) {
  if (keys.length < 2) return null;
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs">
      {keys.map((k, i) => (
        <li key={k} className="flex items-center gap-1">
          <span className="inline-block size-2.5 rounded-sm" style={{ background: PALETTE[i % PALETTE.length] }} />
          {k}
        </li>
      ))}
    </ul>
  );
}

export function StackedBars({ data, keys, x }: { data: Row[]; keys: string[]; x: string }) {
  const totals = data.map((row) => keys.reduce((n, k) => n + (Number(row[k]) || 0), 0));
  const { top, ticks } = scale(Math.max(0, ...totals));
  const band = PLOT_W / Math.max(1, data.length);
  const barW = Math.max(1, band * 0.7);
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-56 w-full" role="presentation">
        <Axes labels={data.map((r) => String(r[x] ?? ""))} ticks={ticks} top={top} />
        {data.map((row, i) => {
          let base = 0;
          return (
            <g key={i}>
              {keys.map((k, j) => {
                const v = Number(row[k]) || 0;
                if (v <= 0) return null;
                const y0 = yOf(base, top);
                base += v;
                const y1 = yOf(base, top);
                return (
                  <rect key={k} x={M.left + band * i + (band - barW) / 2} y={y1} width={barW} height={y0 - y1} fill={PALETTE[j % PALETTE.length]}>
                    <title>{`${String(row[x] ?? "")} ${k}: ${v}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      <Legend keys={keys} />
    </>
  );
}

export function RateLine({ data, x, y, target }: { data: Row[]; x: string; y: string; target: number }) {
  const top = 100;
  const band = PLOT_W / Math.max(1, data.length);
  const points = data.map((row, i) => {
    const v = row[y];
    return typeof v === "number" ? { x: M.left + band * (i + 0.5), y: yOf(v, top), v, label: String(row[x] ?? "") } : null;
  });
  // A gap (an hour without actions) breaks the line rather than bridging it.
  const segments: string[] = [];
  let current = "";
  for (const p of points) {
    if (!p) {
      if (current) segments.push(current);
      current = "";
      continue;
    }
    current += `${current ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  }
  if (current) segments.push(current);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="h-56 w-full" role="presentation">
      <Axes labels={data.map((r) => String(r[x] ?? ""))} ticks={[0, 25, 50, 75, 100]} top={top} unit="%" />
      <line x1={M.left} x2={W - M.right} y1={yOf(target, top)} y2={yOf(target, top)} stroke={PALETTE[4]} strokeDasharray="4 4" />
      <text x={W - M.right} y={yOf(target, top) - 4} textAnchor="end" fontSize={FONT} fill="currentColor">
        target {target}%
      </text>
      {segments.map((d) => (
        <path key={d} d={d} fill="none" stroke={PALETTE[2]} strokeWidth={2} />
      ))}
      {points.map((p, i) =>
        p ? (
          <circle key={i} cx={p.x} cy={p.y} r={3} fill={PALETTE[2]}>
            <title>{`${p.label} ${y}: ${p.v}`}</title>
          </circle>
        ) : null,
      )}
    </svg>
  );
}
