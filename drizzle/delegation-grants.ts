import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { agents } from "./agents";

/**
 * "Person P lets agent A act for them with at most scopes S on resources R until T, in
 * chains of at most D agents." The person is named by their provider's issuer and subject
 * (issuer-qualified: two providers' "alice" are two people). Revoked grants stay, for the
 * record; a token exchange uses only an active, unexpired one.
 */
export const delegationGrants = pgTable(
  "delegation_grants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    personIssuer: text("person_issuer").notNull(),
    personSub: text("person_sub").notNull(),
    /** How the console shows the person (their email when known). */
    personLabel: text("person_label").notNull(),
    agentId: uuid("agent_id")
      .notNull()
      .references(() => agents.id),
    scopes: text("scopes").array().notNull(),
    // Empty: any resource the agent is registered for.
    resources: text("resources").array().notNull().default(sql`'{}'::text[]`),
    maxDepth: integer("max_depth").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date", precision: 3 }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    revokedBy: text("revoked_by"),
  },
  (t) => [
    index("delegation_grants_person_idx").on(t.personIssuer, t.personSub, t.agentId),
    index("delegation_grants_agent_idx").on(t.agentId, t.createdAt),
    index("delegation_grants_created_idx").on(t.createdAt, t.id),
    check("delegation_grants_depth_check", sql`${t.maxDepth} between 1 and 10`),
  ],
);

export type DelegationGrant = typeof delegationGrants.$inferSelect;
