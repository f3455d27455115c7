import { sql } from "drizzle-orm";
import { check, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Runtime policy (issue 15): one Cedar policy set per audience (the resource URI tokens are
 * for), its current text and mode. `enforce` decides; `shadow` decides, logs and counts, and
 * changes nothing (the canary). `source` = `directory` for sets loaded from POLICY_DIR, which
 * the API and console will not change.
 */
export const policySets = pgTable(
  "policy_sets",
  {
    name: text("name").primaryKey(),
    audience: text("audience").notNull().unique(),
    mode: text("mode").notNull(),
    source: text("source").notNull().default("console"),
    version: integer("version").notNull(),
    text: text("text").notNull(),
    /** Route templates (`/tenants/{tenant}/invoices/{id}`) whose parameters `Call` decisions see as tags. */
    routes: jsonb("routes").$type<string[]>().notNull().default([]),
    /** Request headers (lower case) `Call` decisions see, as tags named `header:<name>`. */
    headers: jsonb("headers").$type<string[]>().notNull().default([]),
    updatedBy: text("updated_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [check("policy_sets_mode", sql`${t.mode} in ('enforce', 'shadow')`), check("policy_sets_source", sql`${t.source} in ('console', 'directory')`)],
);

/** Every version of every set: who changed what, when, and why. Never updated or deleted. */
export const policySetVersions = pgTable(
  "policy_set_versions",
  {
    name: text("name").notNull(),
    version: integer("version").notNull(),
    audience: text("audience").notNull(),
    mode: text("mode").notNull(),
    text: text("text").notNull(),
    routes: jsonb("routes").$type<string[]>().notNull().default([]),
    headers: jsonb("headers").$type<string[]>().notNull().default([]),
    comment: text("comment").notNull(),
    author: text("author").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] })],
);
