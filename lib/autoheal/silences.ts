import { and, inArray, or, sql } from "drizzle-orm";
import { auditEvents } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { getConfig } from "@/lib/config";
import { BadGatewayError, NotFoundError, ServiceUnavailableError } from "@/lib/errors";
import { createAlertmanagerClient, type AlertmanagerClient, type Silence } from "./alertmanager-client";
import { AlertmanagerError } from "./errors";

/** How Vigil came to create a silence, as its own log recorded it. */
export type SilenceOrigin = {
  /** An operator's ack (`ack`), or a rule's alertmanager_silence action (`action_ok`). */
  via: "ack" | "rule";
  actor: string;
  rule: string | null;
  job_id: number | null;
  event_id: string;
  at: string;
};

export type SilenceView = {
  id: string;
  state: Silence["state"];
  matchers: { name: string; value: string; is_regex: boolean; is_equal: boolean }[];
  starts_at: string;
  ends_at: string;
  updated_at: string;
  created_by: string;
  comment: string;
  origin: SilenceOrigin;
};

/** Alertmanager's API from ALERTMANAGER_URL, or a 503 saying how to configure it. */
export function alertmanager(): { client: AlertmanagerClient; url: string } {
  const url = getConfig().autoheal.alertmanagerUrl;
  if (!url) throw new ServiceUnavailableError("Silences live in Alertmanager: set ALERTMANAGER_URL to list or expire them.");
  return { client: createAlertmanagerClient({ url, timeoutMs: 10_000 }), url };
}

/**
 * An Alertmanager failure as the API's answer: a silence it does not know is a 404; any
 * other refusal, a timeout or a refused connection is a 502 carrying its reason (never a
 * 500: nothing is wrong with Vigil).
 */
export function alertmanagerProblem(error: unknown, what: string): Error {
  if (!(error instanceof AlertmanagerError)) return error instanceof Error ? error : new Error(String(error));
  if (error.status === 404) return new NotFoundError(`Alertmanager has no ${what}.`);
  return new BadGatewayError(`Alertmanager could not answer for ${what}: ${error.message}`);
}

/**
 * Which of these silences Vigil created, read from its own tamper-evident log: an `ack`
 * or an `action_ok` event recording the silence id Alertmanager returned. `createdBy` is
 * not used for this: anyone who can reach Alertmanager may write any name there.
 */
export async function silenceOrigins(db: Executor, ids: readonly string[]): Promise<Map<string, SilenceOrigin>> {
  const out = new Map<string, SilenceOrigin>();
  if (ids.length === 0) return out;
  // One containment test per id: each is answered by the metadata GIN index.
  const rows = await db
    .select({ id: auditEvents.id, ts: auditEvents.ts, kind: auditEvents.kind, actor: auditEvents.actor, rule: auditEvents.rule, metadata: auditEvents.metadata })
    .from(auditEvents)
    .where(
      and(
        inArray(auditEvents.kind, ["ack", "action_ok"]),
        or(...ids.map((id) => sql`${auditEvents.metadata} @> ${JSON.stringify({ silence_id: id })}::jsonb`)),
      ),
    );
  for (const row of rows) {
    const id = row.metadata.silence_id;
    if (typeof id !== "string" || out.has(id)) continue;
    const job = row.metadata.job_id;
    out.set(id, {
      via: row.kind === "ack" ? "ack" : "rule",
      actor: row.actor,
      rule: row.rule,
      job_id: typeof job === "number" ? job : null,
      event_id: String(row.id),
      at: row.ts.toISOString(),
    });
  }
  return out;
}

export function silenceView(s: Silence, origin: SilenceOrigin): SilenceView {
  return {
    id: s.id,
    state: s.state,
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, is_regex: m.isRegex, is_equal: m.isEqual })),
    starts_at: s.startsAt.toISOString(),
    ends_at: s.endsAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    created_by: s.createdBy,
    comment: s.comment,
    origin,
  };
}

/** The equality matchers as labels (what the silence's audit event is found by). */
export function silenceLabels(s: Silence): Record<string, string> {
  return Object.fromEntries(s.matchers.filter((m) => m.isEqual && !m.isRegex).map((m) => [m.name, m.value]));
}
