CREATE TABLE "people" (
	"issuer" text NOT NULL,
	"sub" text NOT NULL,
	"roles" text[] DEFAULT '{}'::text[] NOT NULL,
	"groups" text[] DEFAULT '{}'::text[] NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "people_issuer_sub_pk" PRIMARY KEY("issuer","sub")
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "labels" jsonb DEFAULT '{}'::jsonb NOT NULL;