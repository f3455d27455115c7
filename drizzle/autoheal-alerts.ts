import { sql } from "drizzle-orm";
import { bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * Every alert Alertmanager told us about. Alertmanager re-sends a firing alert on every group
 * interval and repeat interval; (fingerprint, starts_at) names one firing episode, so a
 * repeat updates this row and queues nothing (lib/autoheal/intake.ts). A re-fire after a
 * resolve has a new startsAt and is a new episode.
 */
export const autohealAlerts = pgTable(
  "autoheal_alerts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    fingerprint: text("fingerprint").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true, mode: "date" }).notNull(),
    alertname: text("alertname").notNull(),
    status: text("status", { enum: ["firing", "resolved"] }).notNull(),
    labels: jsonb("labels").$type<Record<string, string>>().notNull(),
    annotations: jsonb("annotations").$type<Record<string, string>>().notNull(),
    generatorUrl: text("generator_url").notNull().default(""),
    endsAt: timestamp("ends_at", { withTimezone: true, mode: "date" }),
    firstReceivedAt: timestamp("first_received_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastNotifiedAt: timestamp("last_notified_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    notifications: integer("notifications").notNull().default(1),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("autoheal_alerts_episode_idx").on(t.fingerprint, t.startsAt),
    index("autoheal_alerts_alertname_idx").on(t.alertname, t.id),
    check("autoheal_alerts_status_check", sql`${t.status} in ('firing', 'resolved')`),
  ],
);

export type AutohealAlertRow = typeof autohealAlerts.$inferSelect;
