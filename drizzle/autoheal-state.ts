import { sql } from "drizzle-orm";
import { boolean, check, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The switches every instance obeys, one row (id = 1). AUTOHEAL_ENABLED and AUTOHEAL_DRY_RUN
 * seed it the first time; after that an admin's toggle (PATCH /api/v1/autoheal) wins and is
 * shared by every instance, so a restart never silently turns live actions back on.
 */
export const autohealState = pgTable(
  "autoheal_state",
  {
    id: integer("id").primaryKey().default(1),
    enabled: boolean("enabled").notNull(),
    dryRun: boolean("dry_run").notNull(),
    updatedBy: text("updated_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true, mode: "date" }),
    heartbeatBy: text("heartbeat_by"),
  },
  (t) => [check("autoheal_state_one_row", sql`${t.id} = 1`)],
);

/**
 * Cooldown bookkeeping per rule and alert label set (lib/autoheal/cooldown.ts cooldownKey).
 * Dry runs count as actions, so a canary keeps the pace the live rule would.
 */
export const autohealCooldowns = pgTable("autoheal_cooldowns", {
  key: text("key").primaryKey(),
  rule: text("rule").notNull(),
  alertname: text("alertname").notNull(),
  labels: jsonb("labels").$type<Record<string, string>>().notNull(),
  lastActionAt: timestamp("last_action_at", { withTimezone: true, mode: "date" }).notNull(),
  until: timestamp("until", { withTimezone: true, mode: "date" }).notNull(),
});

export type AutohealStateRow = typeof autohealState.$inferSelect;
export type AutohealCooldownRow = typeof autohealCooldowns.$inferSelect;
