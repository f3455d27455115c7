CREATE TABLE "authorization_codes" (
	"code_hash" text PRIMARY KEY NOT NULL,
	"client_id" text NOT NULL,
	"agent_id" uuid NOT NULL,
	"grant_id" uuid NOT NULL,
	"person_issuer" text NOT NULL,
	"person_sub" text NOT NULL,
	"person_label" text NOT NULL,
	"scopes" text[] NOT NULL,
	"resources" text[] NOT NULL,
	"redirect_uri" text NOT NULL,
	"code_challenge" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"redeemed_at" timestamp with time zone,
	"issued_jti" text,
	"refresh_family" uuid
);
--> statement-breakpoint
CREATE TABLE "refresh_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"family_id" uuid NOT NULL,
	"client_id" text NOT NULL,
	"agent_id" uuid NOT NULL,
	"grant_id" uuid NOT NULL,
	"person_issuer" text NOT NULL,
	"person_sub" text NOT NULL,
	"person_label" text NOT NULL,
	"scopes" text[] NOT NULL,
	"resources" text[] NOT NULL,
	"access_jti" text NOT NULL,
	"access_expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text,
	CONSTRAINT "refresh_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "credentials" ALTER COLUMN "secret_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "redirect_uris" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "client_type" text DEFAULT 'confidential' NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "consent_mode" text DEFAULT 'always' NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "logo_uri" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "homepage_uri" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "client_id_url" text;--> statement-breakpoint
ALTER TABLE "authorization_codes" ADD CONSTRAINT "authorization_codes_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authorization_codes" ADD CONSTRAINT "authorization_codes_grant_id_delegation_grants_id_fk" FOREIGN KEY ("grant_id") REFERENCES "public"."delegation_grants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_grant_id_delegation_grants_id_fk" FOREIGN KEY ("grant_id") REFERENCES "public"."delegation_grants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "authorization_codes_expires_idx" ON "authorization_codes" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "refresh_tokens_family_idx" ON "refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_grant_idx" ON "refresh_tokens" USING btree ("grant_id");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_client_id_url_unique" UNIQUE("client_id_url");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_client_type_check" CHECK ("agents"."client_type" in ('confidential', 'public'));--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_consent_mode_check" CHECK ("agents"."consent_mode" in ('always', 'once'));