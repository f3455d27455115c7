import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { autohealAlerts } from "./autoheal-alerts";

/**
 * The durable queue: one job per (alert episode, rule), written in the intake's transaction,
 * so a 200 to Alertmanager means the remediation will run even if this instance dies next.
 * A job holds the alert and the rule's name, never a plan: plans carry header secrets and
 * are made at run time (lib/autoheal/run-job.ts).
 *
 * status: queued -> running (claimed with FOR UPDATE SKIP LOCKED, lease_until set) -> done
 * or failed. A running job whose lease ran out (its instance died) is claimed again.
 * `acted_at` is set when the pacing decision let the job act: it is the job's place in its
 * rule's blast-radius window, and tells a re-claimed job that the decision was made.
 */
export const autohealJobs = pgTable(
  "autoheal_jobs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    alertId: bigint("alert_id", { mode: "number" })
      .notNull()
      .references(() => autohealAlerts.id, { onDelete: "cascade" }),
    rule: text("rule").notNull(),
    alertname: text("alertname").notNull(),
    status: text("status", { enum: ["queued", "running", "done", "failed"] }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    runAfter: timestamp("run_after", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    leaseUntil: timestamp("lease_until", { withTimezone: true, mode: "date" }),
    leasedBy: text("leased_by"),
    // The intake's request id: the chain from Alertmanager's webhook to the action's request.
    requestId: text("request_id"),
    receivedAt: timestamp("received_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    actedAt: timestamp("acted_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
    // ok, fail, dry_run, skipped_cooldown, skipped_blast_radius, skipped_disabled
    result: text("result"),
    detail: jsonb("detail").$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex("autoheal_jobs_alert_rule_idx").on(t.alertId, t.rule),
    index("autoheal_jobs_ready_idx").on(t.status, t.runAfter),
    index("autoheal_jobs_rule_acted_idx").on(t.rule, t.actedAt),
    check("autoheal_jobs_status_check", sql`${t.status} in ('queued', 'running', 'done', 'failed')`),
  ],
);

export type AutohealJobRow = typeof autohealJobs.$inferSelect;
