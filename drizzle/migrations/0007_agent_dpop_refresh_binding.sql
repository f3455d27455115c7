ALTER TABLE "agents" ADD COLUMN "dpop" text DEFAULT 'optional' NOT NULL;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD COLUMN "dpop_jkt" text;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_dpop_check" CHECK ("agents"."dpop" in ('optional', 'required'));