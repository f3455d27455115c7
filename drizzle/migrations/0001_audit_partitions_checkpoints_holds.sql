CREATE TABLE "audit_checkpoints" (
	"seq" integer PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"first_id" bigint NOT NULL,
	"last_id" bigint NOT NULL,
	"event_count" integer NOT NULL,
	"min_ts" timestamp with time zone NOT NULL,
	"max_ts" timestamp with time zone NOT NULL,
	"hash" text NOT NULL,
	"document" jsonb NOT NULL,
	"jws" text NOT NULL,
	"leaves" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_legal_holds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reason" text NOT NULL,
	"query" text,
	"since" timestamp with time zone,
	"until" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"released_by" text,
	"released_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_retention_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"ran_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cutoff" timestamp with time zone NOT NULL,
	"through_id" bigint NOT NULL,
	"through_seq" integer NOT NULL,
	"removed" bigint NOT NULL,
	"detail" jsonb NOT NULL,
	"by" text NOT NULL
);
--> statement-breakpoint
-- audit_events becomes a table partitioned by day on ts (written by hand: drizzle-kit does
-- not generate PARTITION BY). The old table is renamed, its rows copied into daily
-- partitions covering their days, then dropped; the id sequence carries over.
ALTER TABLE "audit_events" RENAME TO "audit_events_unpartitioned";--> statement-breakpoint
ALTER INDEX "audit_events_pkey" RENAME TO "audit_events_unpartitioned_pkey";--> statement-breakpoint
DROP INDEX "audit_events_ts_idx";--> statement-breakpoint
DROP INDEX "audit_events_agent_idx";--> statement-breakpoint
DROP INDEX "audit_events_kind_idx";--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigint DEFAULT nextval('audit_events_id_seq'::regclass) NOT NULL,
	"ts" timestamp with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"kind" text NOT NULL,
	"actor" text NOT NULL,
	"agent_id" uuid,
	"client_id" text,
	"outcome" text NOT NULL,
	"ip" "inet",
	"user_agent" text,
	"request_id" text,
	"alertname" text,
	"rule" text,
	"labels" jsonb,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "audit_events_id_ts_pk" PRIMARY KEY("id","ts")
) PARTITION BY RANGE ("ts");--> statement-breakpoint
ALTER SEQUENCE "audit_events_id_seq" OWNED BY "audit_events"."id";--> statement-breakpoint
-- Anything outside the daily partitions (clock far off, a partition not yet made) lands here
-- rather than failing the write; retention deletes from it row by row.
CREATE TABLE "audit_events_default" PARTITION OF "audit_events" DEFAULT;--> statement-breakpoint
DO $$
DECLARE
	day date;
	first_day date := least(current_date, coalesce((SELECT min(ts AT TIME ZONE 'UTC')::date FROM audit_events_unpartitioned), current_date));
BEGIN
	FOR day IN SELECT generate_series(first_day, (now() AT TIME ZONE 'UTC')::date + 3, interval '1 day')::date LOOP
		CONTINUE WHEN NOT EXISTS (SELECT 1 FROM audit_events_unpartitioned WHERE ts >= (day::timestamp AT TIME ZONE 'UTC') AND ts < ((day + 1)::timestamp AT TIME ZONE 'UTC'))
			AND day < (now() AT TIME ZONE 'UTC')::date - 1;
		EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
			'audit_events_p' || to_char(day, 'YYYYMMDD'), day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
	END LOOP;
END $$;--> statement-breakpoint
-- Milliseconds from now on (the precision the API shows and checkpoints seal); older rows
-- are not sealed yet, so truncating them changes nothing anyone has vouched for.
INSERT INTO "audit_events" ("id", "ts", "kind", "actor", "agent_id", "client_id", "outcome", "ip", "user_agent", "request_id", "alertname", "rule", "labels", "metadata")
	SELECT "id", date_trunc('milliseconds', "ts"), "kind", "actor", "agent_id", "client_id", "outcome", "ip", "user_agent", "request_id", "alertname", "rule", "labels", "metadata" FROM "audit_events_unpartitioned";--> statement-breakpoint
DROP TABLE "audit_events_unpartitioned";--> statement-breakpoint
CREATE INDEX "audit_events_ts_idx" ON "audit_events" USING btree ("ts","id");--> statement-breakpoint
CREATE INDEX "audit_events_agent_idx" ON "audit_events" USING btree ("agent_id","id");--> statement-breakpoint
CREATE INDEX "audit_events_kind_idx" ON "audit_events" USING btree ("kind","id");--> statement-breakpoint
CREATE INDEX "audit_legal_holds_active_idx" ON "audit_legal_holds" USING btree ("released_at");--> statement-breakpoint
CREATE INDEX "audit_events_alertname_idx" ON "audit_events" USING btree ("alertname","id");--> statement-breakpoint
CREATE INDEX "audit_events_labels_idx" ON "audit_events" USING gin ("labels" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "audit_events_metadata_idx" ON "audit_events" USING gin ("metadata" jsonb_path_ops);