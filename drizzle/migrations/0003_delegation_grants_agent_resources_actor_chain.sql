CREATE TABLE "delegation_grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_issuer" text NOT NULL,
	"person_sub" text NOT NULL,
	"person_label" text NOT NULL,
	"agent_id" uuid NOT NULL,
	"scopes" text[] NOT NULL,
	"resources" text[] DEFAULT '{}'::text[] NOT NULL,
	"max_depth" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	CONSTRAINT "delegation_grants_depth_check" CHECK ("delegation_grants"."max_depth" between 1 and 10)
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "allowed_resources" text[];--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "actor_chain" text[];--> statement-breakpoint
ALTER TABLE "delegation_grants" ADD CONSTRAINT "delegation_grants_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "delegation_grants_person_idx" ON "delegation_grants" USING btree ("person_issuer","person_sub","agent_id");--> statement-breakpoint
CREATE INDEX "delegation_grants_agent_idx" ON "delegation_grants" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "delegation_grants_created_idx" ON "delegation_grants" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "audit_events_actor_chain_idx" ON "audit_events" USING gin ("actor_chain");