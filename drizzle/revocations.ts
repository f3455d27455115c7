import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const revocations = pgTable(
  "revocations",
  {
    jti: text("jti").primaryKey(),
    agentId: uuid("agent_id"),
    clientId: text("client_id"),
    // The token's own exp: past it the row can be pruned, the token is dead anyway.
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    revokedBy: text("revoked_by").notNull(),
  },
  (t) => [index("revocations_expires_idx").on(t.expiresAt)],
);
