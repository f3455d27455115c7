import { sql } from "drizzle-orm";
import { pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * What Vigil last saw of a person's organisation: their roles and groups from their
 * provider's claims (a console sign-in, a provider token). Runtime policy reads it for
 * people whose request carries no claims of their own (Vigil's delegated and authorization
 * code tokens). Written when it changes, never read on a hot path without a cache.
 */
export const people = pgTable(
  "people",
  {
    issuer: text("issuer").notNull(),
    sub: text("sub").notNull(),
    roles: text("roles").array().notNull().default(sql`'{}'::text[]`),
    groups: text("groups").array().notNull().default(sql`'{}'::text[]`),
    seenAt: timestamp("seen_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.sub] })],
);
