CREATE TABLE "policy_set_versions" (
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"audience" text NOT NULL,
	"mode" text NOT NULL,
	"text" text NOT NULL,
	"routes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"headers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"comment" text NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_set_versions_name_version_pk" PRIMARY KEY("name","version")
);
--> statement-breakpoint
CREATE TABLE "policy_sets" (
	"name" text PRIMARY KEY NOT NULL,
	"audience" text NOT NULL,
	"mode" text NOT NULL,
	"source" text DEFAULT 'console' NOT NULL,
	"version" integer NOT NULL,
	"text" text NOT NULL,
	"routes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"headers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_sets_audience_unique" UNIQUE("audience"),
	CONSTRAINT "policy_sets_mode" CHECK ("policy_sets"."mode" in ('enforce', 'shadow')),
	CONSTRAINT "policy_sets_source" CHECK ("policy_sets"."source" in ('console', 'directory'))
);
