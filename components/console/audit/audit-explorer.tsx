"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import type { AuditEventView } from "@/lib/audit/list";
import { btnPrimary, btnSecondary, input, label, link } from "@/components/ui/styles";
import { apiGet } from "../api";
import { EventsTable } from "./events-table";
import { checkQuery } from "./query-feedback";
import { QueryBox } from "./query-box";
import { useHydratedMark } from "../use-hydrated-mark";
import { VerifyPanel } from "./verify-panel";
import { HeartbeatToggle } from "./heartbeats";
import { showsHeartbeats } from "./heartbeats-filter";
import { Problem } from "@/components/ui/problem";

export type AuditParams = { q?: string; since?: string; until?: string; cursor?: string; heartbeats?: string };
type Page = { events: AuditEventView[]; next_cursor: string | null };

const PRESETS = [
  { value: "1h", label: "Last hour", ms: 3_600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { value: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
];

// The inputs show and take UTC (as the table does): the same link shows the same range
// wherever it is opened, and server and browser render the same text.
const toInput = (iso: string | undefined) => (iso ? iso.slice(0, 16) : "");
const fromInput = (v: string) => (v ? `${v}:00Z` : undefined);
const inputAgo = (ms: number) => toInput(new Date(Date.now() - ms).toISOString());

function search(params: AuditParams): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) sp.set(k, v);
  return sp.toString();
}

/** The API's query for the page's params: the same, with heartbeats=false unless they are shown. */
function apiSearch({ heartbeats, ...params }: AuditParams): string {
  const base = search(params);
  return showsHeartbeats(heartbeats, params.q) ? base : `${base}${base ? "&" : ""}heartbeats=false`;
}

export function AuditExplorer({
  params,
  initial,
  problem,
  pageSize,
  renderedAt,
}: {
  params: AuditParams;
  initial: Page | null;
  problem: string | null;
  pageSize: number;
  renderedAt: number;
}) {
  useHydratedMark("audit");
  const router = useRouter();
  const id = useId();
  const [q, setQ] = useState(params.q ?? "");
  const [since, setSince] = useState(toInput(params.since));
  const [until, setUntil] = useState(toInput(params.until));
  const key = search(params);
  const { data, error, isFetching } = useQuery({
    queryKey: ["audit", key, renderedAt],
    queryFn: () => apiGet<Page>(`/api/v1/audit?${apiSearch(params)}&n=${pageSize}`),
    initialData: initial ?? undefined,
    initialDataUpdatedAt: renderedAt,
    enabled: initial !== null,
  });
  const syntaxOk = checkQuery(q).ok;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!syntaxOk) return;
    router.push(`/audit?${search({ q: q.trim() || undefined, since: fromInput(since), until: fromInput(until), heartbeats: params.heartbeats })}`);
  };
  const preset = (ms: number) => {
    setSince(inputAgo(ms));
    setUntil("");
  };
  const exportHref = (format: "ndjson" | "csv") => `/api/v1/audit?${apiSearch({ q: params.q, since: params.since, until: params.until, heartbeats: params.heartbeats })}&format=${format}`;
  const toggleHeartbeats = (show: boolean) => router.push(`/audit?${search({ ...params, cursor: undefined, heartbeats: show ? "show" : undefined })}`);

  return (
    <div className="space-y-4">
      <form onSubmit={submit} className="space-y-3 rounded-lg border border-line bg-surface p-4" role="search" aria-label="Audit events">
        <QueryBox value={q} onChange={setQ} />
        <fieldset className="flex flex-wrap items-end gap-3">
          <legend className={`${label} mb-1`}>Time range (UTC)</legend>
          <div>
            <label htmlFor={`${id}-since`} className="block text-xs text-muted">
              Since
            </label>
            <input id={`${id}-since`} type="datetime-local" className={input} value={since} onChange={(e) => setSince(e.target.value)} />
          </div>
          <div>
            <label htmlFor={`${id}-until`} className="block text-xs text-muted">
              Until
            </label>
            <input id={`${id}-until`} type="datetime-local" className={input} value={until} onChange={(e) => setUntil(e.target.value)} />
          </div>
          <div className="flex flex-wrap gap-1">
            {PRESETS.map((p) => (
              <button key={p.value} type="button" className={btnSecondary} onClick={() => preset(p.ms)}>
                {p.label}
              </button>
            ))}
            <button type="button" className={btnSecondary} onClick={() => (setSince(""), setUntil(""))}>
              All time
            </button>
          </div>
        </fieldset>
        <HeartbeatToggle checked={params.heartbeats === "show"} forced={showsHeartbeats(undefined, params.q)} onChange={toggleHeartbeats} />
        <div className="flex flex-wrap items-center gap-2">
          <button type="submit" className={btnPrimary} disabled={!syntaxOk}>
            Search
          </button>
          <span className="text-sm text-muted">Export this query:</span>
          <a className={link} href={exportHref("ndjson")}>
            NDJSON
          </a>
          <a className={link} href={exportHref("csv")}>
            CSV
          </a>
        </div>
      </form>

      {problem ? (
        <Problem>{problem}</Problem>
      ) : null}
      {error ? (
        <p role="alert" className="rounded-md border border-warn p-3 text-sm text-warn">
          Could not refresh: {error.message}
        </p>
      ) : null}

      {data ? (
        <section aria-labelledby="results" aria-busy={isFetching}>
          <h2 id="results" className="sr-only">
            Results
          </h2>
          <EventsTable events={data.events} empty="No events match this query and range." />
          <nav aria-label="Pages" className="mt-3 flex gap-3 text-sm">
            {params.cursor ? (
              <Link className={link} href={`/audit?${search({ ...params, cursor: undefined })}`}>
                Newest
              </Link>
            ) : null}
            {data.next_cursor ? (
              <Link className={link} href={`/audit?${search({ ...params, cursor: data.next_cursor })}`}>
                Next page (older)
              </Link>
            ) : (
              <span className="text-muted">{data.events.length ? "End of results." : ""}</span>
            )}
          </nav>
        </section>
      ) : null}

      <VerifyPanel />
    </div>
  );
}
