import { bigint, customType, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * Signed checkpoints over the log (lib/audit/checkpoints). Each seals the ids
 * (previous last_id, last_id]; `document` is the signed JSON exactly as hashed, `jws` its
 * compact JWS. `leaves` holds the first 8 bytes of every sealed event's hash, in id order:
 * not part of the proof (the signed digest is), only there to name the event that changed.
 */
export const auditCheckpoints = pgTable("audit_checkpoints", {
  seq: integer("seq").primaryKey(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  firstId: bigint("first_id", { mode: "number" }).notNull(),
  lastId: bigint("last_id", { mode: "number" }).notNull(),
  eventCount: integer("event_count").notNull(),
  minTs: timestamp("min_ts", { withTimezone: true, mode: "date" }).notNull(),
  maxTs: timestamp("max_ts", { withTimezone: true, mode: "date" }).notNull(),
  hash: text("hash").notNull(),
  document: jsonb("document").$type<Record<string, unknown>>().notNull(),
  jws: text("jws").notNull(),
  leaves: bytea("leaves").notNull(),
});

export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;
