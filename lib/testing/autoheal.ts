import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { queryRows } from "@/lib/db/rows";
import type { Executor } from "@/lib/db/types";
import { parseRules, type RuleSet } from "@/lib/autoheal/rules";

export type TestAlert = { labels: Record<string, string>; status?: "firing" | "resolved"; startsAt?: string; fingerprint?: string };

export const fingerprint = () => randomBytes(8).toString("hex");

/** An Alertmanager v4 webhook body holding these alerts, as Alertmanager sends it. */
export function webhook(alerts: TestAlert[]): Record<string, unknown> {
  const status = alerts.every((a) => a.status === "resolved") ? "resolved" : "firing";
  return {
    version: "4",
    groupKey: '{}:{alertname="Test"}',
    truncatedAlerts: 0,
    status,
    receiver: "vigil",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager.test",
    alerts: alerts.map((a) => ({
      status: a.status ?? "firing",
      labels: a.labels,
      annotations: { summary: "test" },
      startsAt: a.startsAt ?? "2026-11-24T02:59:20.757Z",
      endsAt: a.status === "resolved" ? "2026-11-24T03:10:00Z" : "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.test/graph",
      fingerprint: a.fingerprint ?? fingerprint(),
    })),
  };
}

/** Rules from YAML text, as AUTOHEAL_RULES would give them. */
export function rulesFrom(yaml: string): RuleSet {
  return parseRules(yaml, "test-rules.yml", { env: { alertmanagerUrl: null } });
}

/** A webhook rule with the given pacing, posting to `url`. */
export function webhookRule(name: string, alertname: string, url: string, pace = { cooldown: "10m", max: 100, window: "1h" }, timeoutMs = 2000) {
  return `
  - name: ${name}
    match: { alertname: ${alertname} }
    action:
      kind: webhook
      url: ${url}/hook/{{ labels.instance }}
      headers: { Authorization: "Bearer target-secret", X-Alert: "{{ alertname }}" }
      retries: 0
      timeout_ms: ${timeoutMs}
    cooldown: ${pace.cooldown}
    blast_radius: { max_actions: ${pace.max}, window: ${pace.window} }
`;
}

export async function count(db: Executor, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(db, query);
  return Number(row?.n ?? 0);
}

export async function eventsOf(db: Executor, kind: string, alertname: string) {
  return queryRows<{ kind: string; rule: string | null; request_id: string | null; outcome: string; metadata: Record<string, unknown>; labels: Record<string, string> | null }>(
    db,
    sql`select kind, rule, request_id, outcome, metadata, labels from audit_events where kind = ${kind} and alertname = ${alertname} order by id`,
  );
}
