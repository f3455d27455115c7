import { sql } from "drizzle-orm";
import { bigserial, index, inet, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * The one log. Partitioned by day on `ts` (the migration creates it PARTITION BY RANGE and
 * lib/audit/retention/partitions.ts keeps partitions ahead of time), so retention drops whole
 * partitions; hence the key includes `ts`. Ids are still unique (one sequence) and, thanks
 * to the tail lock (lib/audit/tail.ts), follow commit order.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).notNull(),
    // Milliseconds, the precision the API shows and checkpoints seal.
    ts: timestamp("ts", { withTimezone: true, mode: "date" })
      .notNull()
      .default(sql`date_trunc('milliseconds', now())`),
    kind: text("kind").notNull(),
    actor: text("actor").notNull(),
    // For a delegated caller (a person through agents): the agents, outermost first, as
    // "agent:<id>". Null for everyone else.
    actorChain: text("actor_chain").array(),
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
    primaryKey({ columns: [t.id, t.ts] }),
    index("audit_events_ts_idx").on(t.ts, t.id),
    index("audit_events_agent_idx").on(t.agentId, t.id),
    index("audit_events_kind_idx").on(t.kind, t.id),
    index("audit_events_alertname_idx").on(t.alertname, t.id),
    index("audit_events_actor_chain_idx").using("gin", t.actorChain),
    index("audit_events_labels_idx").using("gin", sql`${t.labels} jsonb_path_ops`),
    index("audit_events_metadata_idx").using("gin", sql`${t.metadata} jsonb_path_ops`),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
