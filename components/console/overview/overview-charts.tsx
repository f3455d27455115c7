"use client";

import type { Overview } from "@/lib/console/overview";
import { ChartFigure, RateLine, StackedBars } from "../charts";

const TOP_KINDS = 5;
const hourLabel = (iso: string) => `${iso.slice(11, 13)}:00`;

export function OverviewCharts({ overview: o }: { overview: Overview }) {
  const top = o.kinds.slice(0, TOP_KINDS);
  const rest = o.kinds.slice(TOP_KINDS);
  const keys = [...top.map((k) => k.kind), ...(rest.length ? ["other"] : [])];
  const byKind = o.hours.map((h, i) => {
    const row: Record<string, string | number> = { hour: hourLabel(h) };
    for (const k of top) row[k.kind] = k.hourly[i] ?? 0;
    if (rest.length) row.other = rest.reduce((n, k) => n + (k.hourly[i] ?? 0), 0);
    return row;
  });
  const hourly = (kind: string) => o.kinds.find((k) => k.kind === kind)?.hourly ?? o.hours.map(() => 0);
  const ok = hourly("action_ok");
  const failed = hourly("action_fail");
  const rate = o.hours.map((h, i) => {
    const n = (ok[i] ?? 0) + (failed[i] ?? 0);
    return { hour: hourLabel(h), "success %": n ? Math.round(((ok[i] ?? 0) / n) * 1000) / 10 : null };
  });
  const tokens = hourly("token.issued");
  const tokenRows = o.hours.map((h, i) => ({ hour: hourLabel(h), tokens: tokens[i] ?? 0 }));
  const total = o.kinds.reduce((n, k) => n + k.total, 0);
  return (
    <div className="mt-6 grid gap-4 lg:grid-cols-2">
      <div className="lg:col-span-2">
        <ChartFigure
          title="Events per hour by kind (UTC)"
          summary={`${total} events in 24 hours; ${o.kinds.map((k) => `${k.kind}: ${k.total}`).join(", ") || "none"}.`}
        >
          <StackedBars data={byKind} keys={keys} x="hour" />
        </ChartFigure>
      </div>
      <ChartFigure
        title={`Autoheal action success rate per hour${o.actions.success_rate === null ? " — no actions yet" : ""}`}
        summary={o.actions.success_rate === null ? "No autoheal actions in 24 hours." : `${o.actions.ok} succeeded, ${o.actions.failed} failed.`}
      >
        <RateLine data={rate} x="hour" y="success %" target={o.actions.target * 100} />
      </ChartFigure>
      <ChartFigure title="Tokens issued per hour" summary={`${o.tokens_issued} tokens issued in 24 hours.`}>
        <StackedBars data={tokenRows} keys={["tokens"]} x="hour" />
      </ChartFigure>
    </div>
  );
}
