import { sql } from "drizzle-orm";
import { commit, type EventDraft } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import type { MachineCtx } from "@/lib/context";
import { queryRows } from "@/lib/db/rows";
import type { Executor } from "@/lib/db/types";
import type { Notice } from "@/lib/events/notify";
import { parseAlertmanagerPayload, type Alert } from "./alertmanager-payload";
import { noteEmbeddedIntake } from "./embedded-limit";
import { matchingRules } from "./rules";
import { currentRules } from "./rules-store";
import { readState } from "./state";

/** NOTIFY channel that wakes every runner as soon as an intake commits jobs. */
export const AUTOHEAL_JOBS_CHANNEL = "vigil_autoheal_jobs";

export const INTAKE_ACTOR = "system:alertmanager";

export type IntakeResult = { alerts: number; new: number; repeats: number; resolved: number; jobs: number };

type Stored = { idx: number; id: number | string; inserted: boolean; old_status: string | null };

/**
 * One webhook, one transaction: the alerts (upserted by fingerprint and startsAt), a job per
 * matching rule for each alert seen firing for the first time, and an audit event per alert,
 * appended last. Alertmanager gets its 200 only after the commit, so an answered webhook is
 * never lost, and a failed one is retried by Alertmanager with nothing half-stored.
 *
 * - a repeat (same fingerprint and startsAt, Alertmanager's group/repeat interval) updates
 *   the row and queues nothing: the unique (alert, rule) job key makes that hold even for
 *   two instances taking the same webhook at once;
 * - resolved closes the episode and is sticky: a late retry of an older "firing" cannot
 *   reopen it;
 * - autoheal switched off: alerts are still recorded (the log shows what came in), no jobs
 *   are queued, and each event says so (autoheal: "disabled").
 */
export async function intakeAlerts(ctx: MachineCtx, raw: unknown): Promise<IntakeResult> {
  // no-scope: the route's bearer checker admitted Alertmanager's credentials; there are no scopes to hold.
  const payload = parseAlertmanagerPayload(raw);
  const alerts = dedupe(payload.alerts);
  const ruleSet = currentRules();
  const intake = await commit(ctx, async (tx) => {
    const state = await readState(tx);
    const stored = await upsertAlerts(tx, alerts);
    const jobs: { alert_id: number; rule: string; alertname: string }[] = [];
    const events: EventDraft[] = [];
    const notices: Notice[] = [];
    const result: IntakeResult = { alerts: alerts.length, new: 0, repeats: 0, resolved: 0, jobs: 0 };

    for (const row of stored) {
      const alert = alerts[row.idx];
      if (!alert) throw new Error(`intake: no alert at index ${row.idx}`);
      const alertId = Number(row.id);
      const base = { outcome: "success" as const, alertname: alert.alertname, labels: alert.labels };
      const facts = { fingerprint: alert.fingerprint, starts_at: alert.startsAt.toISOString(), alert_id: alertId, receiver: payload.receiver };
      if (alert.status === "resolved") {
        const repeat = row.old_status === "resolved";
        if (!repeat) result.resolved += 1;
        events.push({ ...base, kind: "alert_resolved", metadata: { ...facts, status: "resolved", repeat, ends_at: alert.endsAt?.toISOString() ?? null } });
        continue;
      }
      const repeat = !row.inserted;
      const rules = repeat ? [] : matchingRules(ruleSet, alert).map((r) => r.name);
      if (repeat) result.repeats += 1;
      else result.new += 1;
      if (state.enabled) for (const rule of rules) jobs.push({ alert_id: alertId, rule, alertname: alert.alertname });
      events.push({
        ...base,
        kind: "alert_received",
        metadata: { ...facts, status: "firing", repeat, rules, jobs: state.enabled ? rules.length : 0, ...(state.enabled ? {} : { autoheal: "disabled" }) },
      });
    }

    if (jobs.length > 0) {
      const queued = await queryRows<{ id: number }>(
        tx,
        sql`insert into autoheal_jobs (alert_id, rule, alertname, request_id)
          select alert_id, rule, alertname, ${ctx.requestId}
          from jsonb_to_recordset(${JSON.stringify(jobs)}::jsonb) as j(alert_id bigint, rule text, alertname text)
          on conflict (alert_id, rule) do nothing
          returning id`,
      );
      result.jobs = queued.length;
      // Delivered at commit only, so a runner never wakes for jobs that were rolled back.
      if (queued.length > 0) notices.push({ channel: AUTOHEAL_JOBS_CHANNEL, payload: queued.length });
    }
    return { value: result, events, notices };
  });
  // The embedded database past what it can take: said in the log, with the way out.
  if (getConfig().database.kind === "pglite") noteEmbeddedIntake();
  return intake;
}

/** One entry per (fingerprint, startsAt), the last one winning, as Alertmanager's newest word. */
function dedupe(alerts: Alert[]): Alert[] {
  const byKey = new Map<string, Alert>();
  for (const a of alerts) byKey.set(`${a.fingerprint}|${a.startsAt.toISOString()}`, a);
  return [...byKey.values()];
}

/**
 * One statement for the whole payload. `old` reads the rows as the statement's snapshot saw
 * them (no FOR UPDATE: the upsert in the same statement changes those rows, and a locking
 * read would then skip them), which is how an already-resolved alert is told apart; `xmax
 * = 0` marks rows this statement inserted. Two transactions resolving the same alert at the
 * same moment may both record a first resolve; job creation does not depend on `old`.
 */
async function upsertAlerts(tx: Executor, alerts: Alert[]): Promise<Stored[]> {
  const input = JSON.stringify(
    alerts.map((a, idx) => ({
      idx,
      fingerprint: a.fingerprint,
      starts_at: a.startsAt.toISOString(),
      alertname: a.alertname,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      generator_url: a.generatorURL,
      ends_at: a.endsAt?.toISOString() ?? null,
    })),
  );
  return queryRows<Stored>(
    tx,
    sql`with input as (
      select * from jsonb_to_recordset(${input}::jsonb) as i(idx int, fingerprint text, starts_at timestamptz, alertname text,
        status text, labels jsonb, annotations jsonb, generator_url text, ends_at timestamptz)
    ), old as (
      select a.fingerprint, a.starts_at, a.status from autoheal_alerts a
      join input i on a.fingerprint = i.fingerprint and a.starts_at = i.starts_at
    ), up as (
      insert into autoheal_alerts (fingerprint, starts_at, alertname, status, labels, annotations, generator_url, ends_at, resolved_at)
      select fingerprint, starts_at, alertname, status, labels, annotations, generator_url, ends_at,
        case when status = 'resolved' then now() end
      from input
      on conflict (fingerprint, starts_at) do update set
        status = case when autoheal_alerts.status = 'resolved' then 'resolved' else excluded.status end,
        annotations = excluded.annotations,
        ends_at = coalesce(excluded.ends_at, autoheal_alerts.ends_at),
        last_notified_at = now(),
        notifications = autoheal_alerts.notifications + 1,
        resolved_at = case when autoheal_alerts.status = 'resolved' or excluded.status = 'resolved'
          then coalesce(autoheal_alerts.resolved_at, now()) end
      returning id, fingerprint, starts_at, (xmax = 0) as inserted
    )
    select i.idx, up.id, up.inserted, old.status as old_status
    from up
    join input i on i.fingerprint = up.fingerprint and i.starts_at = up.starts_at
    left join old on old.fingerprint = up.fingerprint and old.starts_at = up.starts_at
    order by i.idx`,
  );
}
