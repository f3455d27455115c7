import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { agents } from "./agents";

export const credentialStatuses = ["active", "revoked"] as const;
export type CredentialStatus = (typeof credentialStatuses)[number];

export const credentials = pgTable(
  "credentials",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id),
    clientId: text("client_id").notNull().unique(),
    // HMAC-SHA-256 of the secret under the instance's hashing key; the secret itself is never stored.
    // Null for a public client (an agent registered as client_type public has no secret).
    secretHash: text("secret_hash"),
    // After a rotation the previous secret keeps working until previous_expires_at.
    previousSecretHash: text("previous_secret_hash"),
    previousExpiresAt: timestamp("previous_expires_at", { withTimezone: true, mode: "date" }),
    status: text("status", { enum: credentialStatuses }).notNull().default("active"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    rotatedAt: timestamp("rotated_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("credentials_agent_idx").on(t.agentId),
    check("credentials_status_check", sql`${t.status} in ('active', 'revoked')`),
  ],
);

export type Credential = typeof credentials.$inferSelect;
