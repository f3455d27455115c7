ALTER TABLE "agents" ADD COLUMN "workload_issuer" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "workload_subject" text;--> statement-breakpoint
CREATE UNIQUE INDEX "agents_workload_identity_idx" ON "agents" USING btree ("workload_issuer","workload_subject");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_workload_identity_check" CHECK (("agents"."workload_issuer" is null) = ("agents"."workload_subject" is null));