"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { Overview } from "@/lib/console/overview";
import { apiGet } from "../api";
import { useHydratedMark } from "../use-hydrated-mark";
import { LazyOverviewCharts } from "../lazy-charts";

const auditLink = (q: string, since: string) => `/audit?${new URLSearchParams({ q, since }).toString()}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function Stat({ label, value, note, href, tone }: { label: string; value: string; note?: string; href: string; tone?: "ok" | "bad" }) {
  const color = tone === "ok" ? "text-ok" : tone === "bad" ? "text-danger" : "text-fg";
  return (
    <Link href={href} className="block rounded-lg border border-line bg-surface p-4 hover:border-accent" data-testid={`stat-${label}`}>
      <span className="text-sm text-muted">{label}</span>
      <span className={`mt-1 block text-3xl font-semibold tabular-nums ${color}`} data-testid="stat-value">
        {value}
      </span>
      {note ? <span className="mt-1 block text-xs text-muted">{note}</span> : null}
    </Link>
  );
}

/** Counts and charts, refreshed every 30 s (and on focus) from GET /api/v1/overview. */
export function OverviewLive({ initial, renderedAt }: { initial: Overview; renderedAt: number }) {
  useHydratedMark("overview");
  const { data, isError, dataUpdatedAt } = useQuery({
    queryKey: ["overview", renderedAt],
    queryFn: () => apiGet<Overview>("/api/v1/overview"),
    initialData: initial,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: 30_000,
  });
  const o = data;
  const rate = o.actions.success_rate;
  const actionsQ = "kind=action_ok OR kind=action_fail";
  return (
    <>
      <p className="sr-only" aria-live="polite">
        Updated {new Date(dataUpdatedAt).toISOString()}
      </p>
      {isError ? (
        <p role="alert" className="mb-4 rounded-md border border-warn p-2 text-sm text-warn">
          Could not refresh; showing figures from {o.until.slice(11, 19)} UTC.
        </p>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
        <Stat label="Active agents" value={o.active_agents.toLocaleString("en")} href="/agents?status=active" />
        <Stat label="Tokens issued (24 h)" value={o.tokens_issued.toLocaleString("en")} href={auditLink("kind=token.issued", o.since)} />
        <Stat
          label="Auth failures (24 h)"
          value={o.auth_failures.toLocaleString("en")}
          href={auditLink("kind=auth.failed", o.since)}
          tone={o.auth_failures > 0 ? "bad" : undefined}
        />
        <Stat
          label="Action success (24 h)"
          value={rate === null ? "no actions yet" : pct(rate)}
          note={rate === null ? `target ${pct(o.actions.target)}` : `${o.actions.ok} ok / ${o.actions.failed} failed · target ${pct(o.actions.target)}`}
          href={auditLink(actionsQ, o.since)}
          tone={rate === null ? undefined : rate >= o.actions.target ? "ok" : "bad"}
        />
        <Stat
          label="Autoheal"
          value={o.autoheal.enabled ? (o.autoheal.dry_run ? "dry run" : "live") : "off"}
          note={o.autoheal.enabled ? (o.autoheal.dry_run ? "records what it would do, acts on nothing" : "acts on alerts") : "turned off: alerts are recorded, nothing runs"}
          href="/autoheal"
        />
      </div>
      <LazyOverviewCharts overview={o} />
    </>
  );
}
