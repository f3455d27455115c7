import { bigint, index, integer, jsonb, pgTable, serial, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Legal holds: events matching a hold (a time range and/or an audit query) are never removed
 * by retention while the hold is active.
 */
export const auditLegalHolds = pgTable(
  "audit_legal_holds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    reason: text("reason").notNull(),
    query: text("query"),
    since: timestamp("since", { withTimezone: true, mode: "date" }),
    until: timestamp("until", { withTimezone: true, mode: "date" }),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    releasedBy: text("released_by"),
    releasedAt: timestamp("released_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("audit_legal_holds_active_idx").on(t.releasedAt)],
);

/** One row per retention run that removed something: how far the log was cut, and why. */
export const auditRetentionRuns = pgTable("audit_retention_runs", {
  id: serial("id").primaryKey(),
  ranAt: timestamp("ran_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  cutoff: timestamp("cutoff", { withTimezone: true, mode: "date" }).notNull(),
  // Every event with id <= through_id is expired (removed unless held); checkpoints up to
  // through_seq can no longer be recomputed and verify reports them as expired.
  throughId: bigint("through_id", { mode: "number" }).notNull(),
  throughSeq: integer("through_seq").notNull(),
  removed: bigint("removed", { mode: "number" }).notNull(),
  detail: jsonb("detail").$type<Record<string, unknown>>().notNull(),
  by: text("by").notNull(),
});

export type AuditLegalHoldRow = typeof auditLegalHolds.$inferSelect;
