import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { agents } from "./agents";
import { delegationGrants } from "./delegation-grants";

/** What a code and a refresh token both carry of the consent they rest on (fresh builders per table). */
const consented = () => ({
  clientId: text("client_id").notNull(),
  agentId: uuid("agent_id")
    .notNull()
    .references(() => agents.id),
  grantId: uuid("grant_id")
    .notNull()
    .references(() => delegationGrants.id),
  personIssuer: text("person_issuer").notNull(),
  personSub: text("person_sub").notNull(),
  personLabel: text("person_label").notNull(),
  scopes: text("scopes").array().notNull(),
  resources: text("resources").array().notNull(),
});

/**
 * Authorization codes (RFC 6749 §4.1): stored as a hash, single use, 60 seconds. What the
 * redemption issued is kept so a replayed code can revoke it (§4.1.2).
 */
export const authorizationCodes = pgTable(
  "authorization_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    ...consented(),
    redirectUri: text("redirect_uri").notNull(),
    codeChallenge: text("code_challenge").notNull(),
    // RFC 9449 §10: the DPoP key the client named in the authorization request (dpop_jkt);
    // only a token request proving that key may redeem the code.
    dpopJkt: text("dpop_jkt"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    redeemedAt: timestamp("redeemed_at", { withTimezone: true, mode: "date" }),
    issuedJti: text("issued_jti"),
    refreshFamily: uuid("refresh_family"),
  },
  (t) => [index("authorization_codes_expires_idx").on(t.expiresAt)],
);

/**
 * Refresh tokens: opaque, stored as a hash, bound to a client and a grant, rotated on every
 * use. A family is everything descended from one code; presenting a token already used
 * revokes the family (reuse detection).
 */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull().unique(),
    familyId: uuid("family_id").notNull(),
    ...consented(),
    // The access token issued with this refresh token (revoked with the family on reuse).
    accessJti: text("access_jti").notNull(),
    accessExpiresAt: timestamp("access_expires_at", { withTimezone: true, mode: "date" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true, mode: "date" }),
    // A public client's refresh token is bound to the DPoP key it was issued with (RFC 9449
    // §5): only a proof by that key may use it. Null: unbound.
    dpopJkt: text("dpop_jkt"),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("refresh_tokens_family_idx").on(t.familyId), index("refresh_tokens_grant_idx").on(t.grantId)],
);

export type AuthorizationCode = typeof authorizationCodes.$inferSelect;
export type RefreshToken = typeof refreshTokens.$inferSelect;
export type NewRefreshToken = typeof refreshTokens.$inferInsert;
