-- UNLOGGED by hand (drizzle-kit cannot express it): a claim is written for every proof, and
-- a crash that empties the table forgets only ids whose proofs expire within minutes.
CREATE UNLOGGED TABLE "replay_claims" (
	"key" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "replay_claims_expires_idx" ON "replay_claims" USING btree ("expires_at");
