import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const signingKeys = pgTable("signing_keys", {
  // The JWK `kid`: the RFC 7638 thumbprint of the public key.
  kid: text("kid").primaryKey(),
  alg: text("alg").notNull(),
  publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>().notNull(),
  // AES-256-GCM sealed PKCS#8 PEM; null when the private key comes from the environment.
  privateKeySealed: text("private_key_sealed"),
  source: text("source", { enum: ["generated", "environment"] }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  // Published in the JWKS from creation; used for signing from activates_at.
  activatesAt: timestamp("activates_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export type SigningKeyRow = typeof signingKeys.$inferSelect;
