import { sql } from "drizzle-orm";
import { boolean, check, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Maintenance mode, one row (id = 1) every instance follows: on, agent-facing endpoints (token,
 * introspection, revocation, authorization, the gateway validator) answer 503 with
 * Retry-After while the console and the admin API stay up. MAINTENANCE_MODE=true holds it on
 * (updated_by "system:environment"); otherwise an admin switches it (PATCH /api/v1/maintenance).
 */
export const maintenanceState = pgTable(
  "maintenance_state",
  {
    id: integer("id").primaryKey().default(1),
    enabled: boolean("enabled").notNull(),
    reason: text("reason"),
    updatedBy: text("updated_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [check("maintenance_state_one_row", sql`${t.id} = 1`)],
);

export type MaintenanceStateRow = typeof maintenanceState.$inferSelect;
