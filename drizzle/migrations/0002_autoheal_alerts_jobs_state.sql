CREATE TABLE "autoheal_alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"alertname" text NOT NULL,
	"status" text NOT NULL,
	"labels" jsonb NOT NULL,
	"annotations" jsonb NOT NULL,
	"generator_url" text DEFAULT '' NOT NULL,
	"ends_at" timestamp with time zone,
	"first_received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_notified_at" timestamp with time zone DEFAULT now() NOT NULL,
	"notifications" integer DEFAULT 1 NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "autoheal_alerts_status_check" CHECK ("autoheal_alerts"."status" in ('firing', 'resolved'))
);
--> statement-breakpoint
CREATE TABLE "autoheal_jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"alert_id" bigint NOT NULL,
	"rule" text NOT NULL,
	"alertname" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"run_after" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"leased_by" text,
	"request_id" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acted_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"result" text,
	"detail" jsonb,
	CONSTRAINT "autoheal_jobs_status_check" CHECK ("autoheal_jobs"."status" in ('queued', 'running', 'done', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "autoheal_cooldowns" (
	"key" text PRIMARY KEY NOT NULL,
	"rule" text NOT NULL,
	"alertname" text NOT NULL,
	"labels" jsonb NOT NULL,
	"last_action_at" timestamp with time zone NOT NULL,
	"until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "autoheal_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"enabled" boolean NOT NULL,
	"dry_run" boolean NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone,
	"heartbeat_by" text,
	CONSTRAINT "autoheal_state_one_row" CHECK ("autoheal_state"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "autoheal_jobs" ADD CONSTRAINT "autoheal_jobs_alert_id_autoheal_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."autoheal_alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "autoheal_alerts_episode_idx" ON "autoheal_alerts" USING btree ("fingerprint","starts_at");--> statement-breakpoint
CREATE INDEX "autoheal_alerts_alertname_idx" ON "autoheal_alerts" USING btree ("alertname","id");--> statement-breakpoint
CREATE UNIQUE INDEX "autoheal_jobs_alert_rule_idx" ON "autoheal_jobs" USING btree ("alert_id","rule");--> statement-breakpoint
CREATE INDEX "autoheal_jobs_ready_idx" ON "autoheal_jobs" USING btree ("status","run_after");--> statement-breakpoint
CREATE INDEX "autoheal_jobs_rule_acted_idx" ON "autoheal_jobs" USING btree ("rule","acted_at");