import { bigserial, index, inet, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    ts: timestamp("ts", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    kind: text("kind").notNull(),
    actor: text("actor").notNull(),
    agentId: uuid("agent_id"),
    clientId: text("client_id"),
    outcome: text("outcome", { enum: ["success", "failure", "denied"] }).notNull(),
    ip: inet("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    alertname: text("alertname"),
    rule: text("rule"),
    labels: jsonb("labels").$type<Record<string, string>>(),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index("audit_events_ts_idx").on(t.ts, t.id),
    index("audit_events_agent_idx").on(t.agentId, t.id),
    index("audit_events_kind_idx").on(t.kind, t.id),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
