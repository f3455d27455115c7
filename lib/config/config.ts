import { accessSync, constants } from "node:fs";
import { envSchema, type Env } from "./env-schema";

export type VigilConfig = Env & {
  production: boolean;
  /** `next dev` (which sets NODE_ENV=development; a trial run leaves it unset): the only mode whose pages need eval. */
  development: boolean;
  issuer: string;
  apiAudience: string;
  devSignIn: boolean;
  database: { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string };
  /** Serverless mode (VIGIL_SERVERLESS, or VERCEL=1): no background work, no LISTEN (lib/runtime/serverless.ts). */
  serverless: boolean;
  /** How long a live stream may last (0: no limit). */
  sseMaxStreamMs: number;
  autoheal: AutohealConfig;
  clientMetadata: ClientMetadataSettings;
  /** Production settings that work but expose something; said once, loudly, at start (server.ts). */
  warnings: string[];
};

/** Client ID metadata documents (lib/identity/clients/metadata-document.ts). */
export type ClientMetadataSettings = {
  enabled: boolean;
  /** WHATWG hostnames, exact or "*.name" for name's subdomains; IP literals opt in to private addresses. */
  hosts: readonly string[];
  /** One deadline for resolving, connecting, and reading the whole body. */
  timeoutMs: number;
  maxBytes: number;
};

export type AutohealConfig = {
  enabled: boolean;
  dryRun: boolean;
  rulesPath: string | null;
  /** Credentials Alertmanager must present on POST /api/alert; either one is accepted. */
  alertAuth: { bearer: string | null; basic: { username: string; password: string } | null };
  alertmanagerUrl: string | null;
  heartbeatMs: number;
  leaseMs: number;
  /** Jobs of one rule in flight at once on one instance. */
  ruleConcurrency: number;
  /** Body limit of POST /api/alert (larger than MAX_BODY_BYTES: 1000-alert payloads). */
  maxBodyBytes: number;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Vigil refuses to start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Parses the environment once. Throws ConfigError naming every bad or unsafe variable. */
export function loadConfig(source: Record<string, string | undefined>): VigilConfig {
  // Empty strings mean "unset": shells and compose files often export VAR= to clear a value.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const env = parsed.data;
  const production = env.NODE_ENV === "production";
  const devSignIn = env.VIGIL_DEV_SIGNIN ?? (!production && !env.OIDC_ISSUER);
  const serverless = env.VIGIL_SERVERLESS ?? env.VERCEL === "1";

  const problems: string[] = [];
  // The heartbeat renews leases: a lease shorter than two heartbeats lapses on one late or
  // failed renewal, and another instance would send a running action a second time.
  if (env.AUTOHEAL_LEASE_SECONDS < 2 * env.AUTOHEAL_HEARTBEAT_SECONDS) {
    problems.push(
      `AUTOHEAL_LEASE_SECONDS: must be at least twice AUTOHEAL_HEARTBEAT_SECONDS (${env.AUTOHEAL_HEARTBEAT_SECONDS})`,
    );
  }
  // On without an allowlist, Vigil would fetch any URL a client names (SSRF); refuse instead.
  if (env.CLIENT_METADATA_DOCUMENTS && (env.CLIENT_METADATA_HOSTS ?? []).length === 0) {
    problems.push(
      "CLIENT_METADATA_HOSTS: required when CLIENT_METADATA_DOCUMENTS is on " +
        "(comma-separated hosts Vigil may fetch client metadata from, *.example.com for subdomains)",
    );
  }
  // A bundle file that is not there would refuse every workload at run time: say so at start.
  for (const issuer of env.WORKLOAD_ISSUERS ?? []) {
    if (issuer.jwks_file && !readable(issuer.jwks_file)) problems.push(`WORKLOAD_ISSUERS: ${issuer.name}'s jwks_file ${issuer.jwks_file} cannot be read`);
  }
  if (serverless) {
    // A function's filesystem is per instance and short-lived: an embedded database there
    // would be a different, empty database on every cold start.
    if (!env.DATABASE_URL) {
      problems.push(
        "DATABASE_URL: serverless mode (VERCEL or VIGIL_SERVERLESS) needs PostgreSQL, e.g. Neon's or Vercel Postgres' " +
          "connection string; the embedded database (PGlite) cannot live in a function's short-lived filesystem",
      );
    }
    if (production && !env.CRON_SECRET) {
      problems.push(
        "CRON_SECRET: required in serverless mode: Vercel Cron sends it to /api/cron/*, which run the autoheal jobs, " +
          "audit sealing and retention that nothing else runs there (openssl rand -base64 24)",
      );
    }
  }
  if (env.AUTH_SECRET && env.AUTH_SECRET_PREVIOUS?.includes(env.AUTH_SECRET)) {
    problems.push("AUTH_SECRET_PREVIOUS: repeats AUTH_SECRET (list only the secrets AUTH_SECRET replaced)");
  }
  if (production) {
    if (!env.AUTH_SECRET) problems.push("AUTH_SECRET: required in production (openssl rand -base64 32)");
    if (!env.AUTH_URL) problems.push("AUTH_URL: required in production (the public URL of this Vigil)");
    if (devSignIn) problems.push("VIGIL_DEV_SIGNIN: the development sign-in must be off in production");
    if (!env.DATABASE_URL && !env.VIGIL_ALLOW_EMBEDDED_DB && !serverless) {
      problems.push(
        "DATABASE_URL: required in production; the embedded database admits one process only " +
          "(set VIGIL_ALLOW_EMBEDDED_DB=true to accept that)",
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  // Warned, not refused: each is a working (if exposed) deployment, and a trial of the
  // production build on a laptop has all three.
  const warnings: string[] = [];
  if (production) {
    if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID) {
      warnings.push("OIDC_ISSUER/OIDC_CLIENT_ID: unset, so nobody can sign in to the console (machine tokens still work)");
    }
    if (!env.METRICS_TOKEN) warnings.push("METRICS_TOKEN: unset, so /metrics is public");
    if (env.AUTH_URL?.startsWith("http:")) warnings.push("AUTH_URL: http://, so session cookies and tokens cross the network in clear (terminate TLS in front and give the https URL)");
  }

  const base = (env.VIGIL_ISSUER ?? env.AUTH_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
  return {
    ...env,
    production,
    development: cleaned.NODE_ENV === "development",
    devSignIn,
    issuer: base,
    apiAudience: env.VIGIL_API_AUDIENCE ?? base,
    serverless,
    sseMaxStreamMs: (env.SSE_MAX_STREAM_SECONDS ?? (serverless ? 250 : 0)) * 1000,
    database: env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL }
      : { kind: "pglite", dataDir: env.VIGIL_DATA_DIR },
    autoheal: {
      enabled: env.AUTOHEAL_ENABLED,
      dryRun: env.AUTOHEAL_DRY_RUN,
      rulesPath: env.AUTOHEAL_RULES ?? null,
      alertAuth: { bearer: env.AUTOHEAL_ALERT_TOKEN ?? null, basic: env.AUTOHEAL_ALERT_BASIC ?? null },
      alertmanagerUrl: env.ALERTMANAGER_URL?.replace(/\/+$/, "") ?? null,
      heartbeatMs: env.AUTOHEAL_HEARTBEAT_SECONDS * 1000,
      leaseMs: env.AUTOHEAL_LEASE_SECONDS * 1000,
      ruleConcurrency: env.AUTOHEAL_RULE_CONCURRENCY,
      maxBodyBytes: env.AUTOHEAL_MAX_BODY_BYTES,
    },
    warnings,
    clientMetadata: {
      enabled: env.CLIENT_METADATA_DOCUMENTS,
      hosts: env.CLIENT_METADATA_HOSTS ?? [],
      timeoutMs: env.CLIENT_METADATA_TIMEOUT_MS,
      maxBytes: env.CLIENT_METADATA_MAX_BYTES,
    },
  };
}
