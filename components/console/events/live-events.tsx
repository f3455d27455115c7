"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useReducer, useRef, useState, type FormEvent } from "react";
import type { AuditEventView } from "@/lib/audit/list";
import { btnPrimary, btnSecondary, link } from "@/components/ui/styles";
import { EventsTable } from "../audit/events-table";
import { checkQuery } from "../audit/query-feedback";
import { QueryBox } from "../audit/query-box";
import { HeartbeatToggle } from "../audit/heartbeats";
import { showsHeartbeats } from "../audit/heartbeats-filter";
import { useHydratedMark } from "../use-hydrated-mark";
import { ConnectionIndicator } from "./connection-indicator";
import { useLiveStream } from "./use-live-stream";
import { Problem } from "@/components/ui/problem";

/** Rows kept on the page: enough to read, few enough that a busy log cannot swamp the DOM. */
export const LIVE_ROWS = 500;
/** Arrivals are handed to React at most this often: one render per burst, not per event. */
const FLUSH_MS = 100;

type State = { rows: AuditEventView[]; paused: boolean; held: AuditEventView[]; heldCount: number };
type Action = { type: "arrive"; events: AuditEventView[] } | { type: "pause" } | { type: "resume" };

function reduce(state: State, action: Action): State {
  switch (action.type) {
    case "arrive": {
      const newestFirst = [...action.events].reverse();
      if (state.paused) {
        // Held, not dropped: counted in full; the newest LIVE_ROWS of them are shown on resume.
        return { ...state, held: [...newestFirst, ...state.held].slice(0, LIVE_ROWS), heldCount: state.heldCount + action.events.length };
      }
      return { ...state, rows: [...newestFirst, ...state.rows].slice(0, LIVE_ROWS) };
    }
    case "pause":
      return { ...state, paused: true };
    case "resume":
      return { rows: [...state.held, ...state.rows].slice(0, LIVE_ROWS), paused: false, held: [], heldCount: 0 };
  }
}

/** The page's URL for a filter and the heartbeat switch ("show" or absent). */
const eventsHref = (q: string, heartbeats: string | undefined) => {
  const sp = new URLSearchParams();
  if (q) sp.set("q", q);
  if (heartbeats) sp.set("heartbeats", heartbeats);
  return sp.size ? `/events?${sp}` : "/events";
};

export function LiveEvents({
  q,
  heartbeats,
  initial,
  from,
  problem,
}: {
  q: string;
  heartbeats?: string;
  initial: AuditEventView[];
  from: string;
  problem: string | null;
}) {
  useHydratedMark("events");
  const router = useRouter();
  const [draft, setDraft] = useState(q);
  const [state, dispatch] = useReducer(reduce, { rows: initial, paused: false, held: [], heldCount: 0 });
  const queue = useRef<AuditEventView[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const onEvent = useCallback((e: AuditEventView) => {
    queue.current.push(e);
    // A tab in the background still receives; keep only what could ever be shown.
    if (queue.current.length > LIVE_ROWS * 2) queue.current.splice(0, queue.current.length - LIVE_ROWS);
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      const events = queue.current;
      queue.current = [];
      dispatch({ type: "arrive", events });
    }, FLUSH_MS);
  }, []);
  useEffect(() => () => clearTimeout(timer.current), []);

  const withHeartbeats = showsHeartbeats(heartbeats, q);
  const status = useLiveStream(q, withHeartbeats, from, problem === null, onEvent);
  const syntaxOk = checkQuery(draft).ok;
  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (!syntaxOk) return;
    const next = draft.trim();
    // The page renders the new filter's newest events on the server and streams on from there.
    router.push(eventsHref(next, heartbeats));
  };

  return (
    <div className="space-y-4">
      <form onSubmit={apply} className="space-y-3 rounded-lg border border-line bg-surface p-4" role="search" aria-label="Filter live events">
        <QueryBox value={draft} onChange={setDraft} />
        <HeartbeatToggle checked={heartbeats === "show"} forced={showsHeartbeats(undefined, q)} onChange={(show) => router.push(eventsHref(q, show ? "show" : undefined))} />
        <div className="flex flex-wrap items-center gap-2">
          <button type="submit" className={btnPrimary} disabled={!syntaxOk || draft.trim() === q}>
            Apply filter
          </button>
          {q ? (
            <Link className={link} href={eventsHref("", heartbeats)}>
              Clear filter
            </Link>
          ) : null}
          <span className="text-sm text-muted">Applying reconnects with the new filter, starting from its newest events.</span>
        </div>
      </form>

      {problem ? (
        <Problem>{problem}</Problem>
      ) : (
        <section aria-labelledby="live-title" className="space-y-3">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <div className="flex flex-wrap items-center gap-3">
              <h2 id="live-title" className="font-semibold">
                {q ? (
                  <>
                    Matching <code className="font-mono text-sm">{q}</code>
                  </>
                ) : (
                  "All events"
                )}
              </h2>
              <ConnectionIndicator status={status} />
            </div>
            <div className="flex flex-wrap items-center gap-2">
              {state.paused ? (
                <span className="text-sm font-medium text-warn" data-testid="held-count" aria-live="polite">
                  {state.heldCount.toLocaleString("en")} new
                </span>
              ) : null}
              <button
                type="button"
                className={state.paused ? btnPrimary : btnSecondary}
                aria-pressed={state.paused}
                onClick={() => dispatch({ type: state.paused ? "resume" : "pause" })}
              >
                {state.paused ? "Resume" : "Pause"}
              </button>
            </div>
          </div>
          <p className="text-sm text-muted">
            Newest first. {state.paused ? "Paused: new events are counted and held, and appear when you resume. " : ""}
            The page keeps the newest {LIVE_ROWS} events; older ones are in the{" "}
            <Link className={link} href={q ? `/audit?q=${encodeURIComponent(q)}${heartbeats ? "&heartbeats=show" : ""}` : heartbeats ? "/audit?heartbeats=show" : "/audit"}>
              audit log
            </Link>
            .
          </p>
          <EventsTable events={state.rows} rowTestId="live-row" caption="Live events, newest first" empty={q ? "No events match this filter yet; new ones appear here as they happen." : "No events yet; new ones appear here as they happen."} />
        </section>
      )}
    </div>
  );
}
