"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { EmptyState } from "@/components/ui/page-header";
import { btnSecondary, td } from "@/components/ui/styles";
import { apiGet } from "../api";
import { ResultBadge } from "./tables";
import { Table, utc } from "./table";
import { ALERTS_URL, type AlertsView } from "./types";

const STATUS: Record<string, string> = { firing: "border-danger text-danger", resolved: "border-ok text-ok" };

/**
 * The alerts Alertmanager sent (one row per episode: repeats are counted, not listed), newest
 * first, each with the job every matching rule queued and how it ended. Older pages on demand.
 */
export function AlertsPanel({ initial, renderedAt }: { initial: AlertsView; renderedAt: number }) {
  const alerts = useInfiniteQuery({
    queryKey: ["autoheal", ALERTS_URL, renderedAt],
    queryFn: ({ pageParam }) => apiGet<AlertsView>(pageParam ? `${ALERTS_URL}&cursor=${encodeURIComponent(pageParam)}` : ALERTS_URL),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    initialData: { pages: [initial], pageParams: [""] },
    initialDataUpdatedAt: renderedAt,
    refetchInterval: 5000,
  });
  const rows = alerts.data.pages.flatMap((p) => p.alerts);
  if (rows.length === 0) {
    return (
      <EmptyState title="No alerts received yet">
        Alerts appear here once Alertmanager sends them to <code className="font-mono">POST /api/alert</code> (see the overview for its receiver configuration).
      </EmptyState>
    );
  }
  return (
    <>
      <Table caption="Received alerts, newest first, with their jobs" head={["Received (UTC)", "Alert", "Status", "Notifications", "Jobs and outcomes"]}>
        {rows.map((a) => (
          <tr key={a.id} className="border-b border-line last:border-0" data-testid="alert-row">
            <td className={`${td} whitespace-nowrap font-mono text-xs`}>{utc(a.first_received_at)}</td>
            <td className={`${td} text-xs`}>
              <span className="font-mono">{a.alertname}</span>
              <div className="font-mono text-muted">
                {Object.entries(a.labels)
                  .filter(([k]) => k !== "alertname")
                  .map(([k, v]) => `${k}=${v}`)
                  .join(" ")}
              </div>
              {a.annotations.summary ? <div className="text-muted">{a.annotations.summary}</div> : null}
            </td>
            <td className={td}>
              <span className={`inline-block rounded-full border px-2 py-0.5 text-xs font-medium ${STATUS[a.status] ?? ""}`}>{a.status}</span>
            </td>
            <td className={`${td} tabular-nums`}>{a.notifications}</td>
            <td className={`${td} text-xs`}>
              {a.jobs.length === 0 ? (
                <span className="text-muted">no rule matched</span>
              ) : (
                <ul className="space-y-1">
                  {a.jobs.map((j) => (
                    <li key={j.id} className="flex flex-wrap items-center gap-2" data-testid="alert-job">
                      <span className="font-mono">{j.rule}</span>
                      <ResultBadge result={j.result} status={j.status} />
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </Table>
      {alerts.hasNextPage ? (
        <button type="button" className={btnSecondary} onClick={() => void alerts.fetchNextPage()} disabled={alerts.isFetchingNextPage}>
          {alerts.isFetchingNextPage ? "Loading…" : "Show older alerts"}
        </button>
      ) : null}
    </>
  );
}
