"use client";

import type { ReactElement } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** Mid-tone colours that read on both themes. */
export const PALETTE = ["#0ea5e9", "#f59e0b", "#10b981", "#a855f7", "#ef4444", "#64748b"];
const AXIS = { fill: "currentColor", fontSize: 12 };
const TOOLTIP = { contentStyle: { background: "var(--surface)", border: "1px solid var(--line)", color: "var(--fg)" } };

/** A chart with a caption and a text summary for screen readers (the SVG itself is hidden from them). */
export function ChartFigure({ title, summary, children }: { title: string; summary: string; children: ReactElement }) {
  return (
    <figure className="rounded-lg border border-line bg-surface p-4">
      <figcaption className="mb-2 text-sm font-semibold">{title}</figcaption>
      <p className="sr-only">{summary}</p>
      <div aria-hidden="true" className="h-56 text-muted">
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height: 224 }}>
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

type Row = Record<string, string | number | null>;

export function StackedBars({ data, keys, x }: { data: Row[]; keys: string[]; x: string }) {
  return (
    <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
      <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" vertical={false} />
      <XAxis dataKey={x} tick={AXIS} stroke="var(--line)" />
      <YAxis allowDecimals={false} tick={AXIS} stroke="var(--line)" />
      <Tooltip {...TOOLTIP} />
      {keys.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
      {keys.map((k, i) => (
        <Bar key={k} dataKey={k} stackId="a" fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />
      ))}
    </BarChart>
  );
}

export function RateLine({ data, x, y, target }: { data: Row[]; x: string; y: string; target: number }) {
  return (
    <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
      <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" vertical={false} />
      <XAxis dataKey={x} tick={AXIS} stroke="var(--line)" />
      <YAxis domain={[0, 100]} unit="%" tick={AXIS} stroke="var(--line)" />
      <Tooltip {...TOOLTIP} />
      <ReferenceLine y={target} stroke={PALETTE[4]} strokeDasharray="4 4" label={{ value: `target ${target}%`, fill: "currentColor", fontSize: 12 }} />
      <Line dataKey={y} stroke={PALETTE[2]} strokeWidth={2} dot={false} connectNulls={false} isAnimationActive={false} />
    </LineChart>
  );
}
