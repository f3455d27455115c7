"use client";

import dynamic from "next/dynamic";

/**
 * recharts is the largest thing the console ships (~113 kB gzipped, more than React DOM),
 * so charts load after the page is interactive and never ride along when Next prefetches
 * a route that has them. The placeholder keeps the layout from jumping.
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
