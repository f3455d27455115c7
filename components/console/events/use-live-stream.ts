"use client";

import { useEffect, useRef, useState } from "react";
import type { AuditEventView } from "@/lib/audit/list";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "offline";

const MAX_BACKOFF_MS = 30_000;
/** Failed attempts in a row before the page says "offline" rather than "reconnecting". */
const OFFLINE_AFTER = 3;

/**
 * GET /api/v1/events?q= as an EventSource, continuing from `from` (an event id) without a
 * gap or a duplicate, whatever happens to the connection:
 * - a dropped connection: EventSource reconnects by itself and sends Last-Event-ID;
 * - `event: resume` (this client fell too far behind and the server cut it off), or an
 *   answer EventSource will not retry (an HTTP error): this hook reconnects with
 *   `?last_event_id=` set to the last id it handed on, after a backoff for errors;
 * - ids at or below the last one handed on are dropped, so a replay never repeats a row;
 * - `event: ready` (each stream's opening) needs no listener: EventSource keeps its id, so a
 *   connection lost before any event resumes from where that stream started.
 * The first connection uses `?since_id=from`: the server replays what was committed
 * between the page's render and this moment.
 */
export function useLiveStream(q: string, heartbeats: boolean, from: string, enabled: boolean, onEvent: (e: AuditEventView) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const deliver = useRef(onEvent);
  useEffect(() => {
    deliver.current = onEvent;
  }, [onEvent]);

  useEffect(() => {
    if (!enabled) return;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = from;
    let failures = 0;
    let stopped = false;

    const open = (param: "since_id" | "last_event_id") => {
      const sp = new URLSearchParams();
      if (q) sp.set("q", q);
      // The console hides the runners' heartbeats unless asked (see audit/heartbeats-filter.ts).
      if (!heartbeats) sp.set("heartbeats", "false");
      sp.set(param, last);
      const es = new EventSource(`/api/v1/events?${sp}`);
      source = es;
      es.onopen = () => {
        failures = 0;
        setStatus("live");
      };
      es.onmessage = (m: MessageEvent<string>) => {
        if (!/^\d+$/.test(m.lastEventId) || Number(m.lastEventId) <= Number(last)) return;
        last = m.lastEventId;
        deliver.current(JSON.parse(m.data) as AuditEventView);
      };
      es.addEventListener("resume", (m: MessageEvent<string>) => {
        const { last_event_id: id } = JSON.parse(m.data) as { last_event_id?: string };
        if (id && /^\d+$/.test(id) && Number(id) > Number(last)) last = id;
        retry(0);
      });
      es.onerror = () => {
        failures += 1;
        // CONNECTING: EventSource retries by itself, with Last-Event-ID. CLOSED: it gave up
        // (an HTTP error such as 401 or 503), so the next attempt is ours.
        if (es.readyState === EventSource.CONNECTING) setStatus(failures >= OFFLINE_AFTER || !navigator.onLine ? "offline" : "reconnecting");
        else retry(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures, 5)) * (0.5 + Math.random() / 2));
      };
    };

    const retry = (delayMs: number) => {
      source?.close();
      source = null;
      clearTimeout(timer);
      if (stopped) return;
      setStatus(failures >= OFFLINE_AFTER || !navigator.onLine ? "offline" : "reconnecting");
      timer = setTimeout(() => open("last_event_id"), delayMs);
    };
    const online = () => retry(0);
    const offline = () => setStatus("offline");

    open("since_id");
    window.addEventListener("online", online);
    window.addEventListener("offline", offline);
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
      window.removeEventListener("online", online);
      window.removeEventListener("offline", offline);
    };
  }, [q, heartbeats, from, enabled]);

  return status;
}
