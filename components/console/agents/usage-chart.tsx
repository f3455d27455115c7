"use client";

import type { AgentUsage } from "@/lib/console/agent-usage";
import { ChartFigure, StackedBars } from "../charts";

export function UsageChart({ days }: { days: AgentUsage["days"] }) {
  const total = days.reduce((n, d) => n + d.tokens, 0);
  return (
    <ChartFigure title="Tokens per day (14 days, UTC)" summary={`${total} tokens issued in the last 14 days.`}>
      <StackedBars data={days.map((d) => ({ day: d.day.slice(5), tokens: d.tokens }))} keys={["tokens"]} x="day" />
    </ChartFigure>
  );
}
