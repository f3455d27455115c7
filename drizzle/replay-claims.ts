import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Single-use ids (DPoP proof jti, client assertion jti) claimed once across replicas
 * (lib/identity/replay). UNLOGGED (written by hand in its migration: drizzle cannot say it):
 * no WAL for a write on every proof, and a crash that empties the table loses only claims
 * whose proofs are minutes from expiring anyway. Keys are namespaced SHA-256 hashes.
 */
export const replayClaims = pgTable(
  "replay_claims",
  {
    key: text("key").primaryKey(),
    // Past it the row blocks nothing and a purge may delete it.
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [index("replay_claims_expires_idx").on(t.expiresAt)],
);

export type ReplayClaim = typeof replayClaims.$inferSelect;
