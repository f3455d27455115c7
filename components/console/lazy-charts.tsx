"use client";

import dynamic from "next/dynamic";

/**
 * Charts load after the page is interactive and never ride along when Next prefetches a
 * route that has them. They are small now (plain SVG, charts.tsx, since recharts alone was
 * ~113 kB gzipped), but they are below the fold and need the browser's width: nothing is
 * lost by drawing them a moment later. The placeholder keeps the layout from jumping.
 */
function ChartsLoading({ height }: { height: string }) {
  return (
    <div role="status" className={`${height} animate-pulse rounded-lg border border-line bg-surface`}>
      <span className="sr-only">Loading charts…</span>
    </div>
  );
}

export const LazyOverviewCharts = dynamic(() => import("./overview/overview-charts").then((m) => m.OverviewCharts), {
  ssr: false,
  loading: () => <div className="mt-6"><ChartsLoading height="h-[36rem] lg:h-[36rem]" /></div>,
});

export const LazyUsageChart = dynamic(() => import("./agents/usage-chart").then((m) => m.UsageChart), {
  ssr: false,
  loading: () => <ChartsLoading height="h-[18rem]" />,
});
