import { isIP } from "node:net";
import { z } from "zod";
import { workloadIssuers } from "./workload-issuers";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const url = z.url({ protocol: /^https?$/ });

/** "rate:burst" — tokens per second and bucket size; "0" turns the limit off. */
const rate = z
  .string()
  .regex(/^(0|\d+(\.\d+)?:\d+)$/, 'a "rate:burst" pair such as 100:200 (per second), or 0 for no limit')
  .transform((v) => {
    const [perSecond = "0", burst = "0"] = v.split(":");
    return { perSecond: Number(perSecond), burst: Number(burst) };
  });

/**
 * Comma-separated host names, each exact or "*." + a name of at least two labels (its
 * subdomains, not the name itself). Entries are kept as WHATWG URL hostnames (lower case,
 * punycode, IPv6 in brackets) so they compare equal to `new URL(...).hostname`; an entry
 * written any other way is refused with its canonical form, never silently rewritten.
 */
const hostList = z.string().transform((value, ctx) => {
  const hosts: string[] = [];
  for (const raw of value.split(",").map((h) => h.trim()).filter((h) => h !== "")) {
    const wildcard = raw.startsWith("*.");
    const name = wildcard ? raw.slice(2) : raw;
    const bracketed = /^[0-9a-f:.]*:[0-9a-f:.]*$/i.test(name) ? `[${name}]` : name;
    let hostname: string | null = null;
    try {
      const parsed = new URL(`https://${bracketed}/`);
      if (parsed.port === "" && parsed.username === "" && parsed.pathname === "/") hostname = parsed.hostname;
    } catch {
      hostname = null;
    }
    // Labels of letters, digits, - and _ (punycode for the rest), or an IP literal; no port.
    const shape = /^([a-z0-9_-]+\.)*[a-z0-9_-]+$|^\[[0-9a-f:.]+\]$/i;
    if (hostname === null || !shape.test(bracketed) || !shape.test(hostname)) {
      ctx.addIssue({ code: "custom", message: `"${raw}" is not a host name` });
    } else if (hostname !== bracketed) {
      ctx.addIssue({ code: "custom", message: `write "${raw}" as "${wildcard ? "*." : ""}${hostname}"` });
    } else if (wildcard && (hostname.startsWith("[") || /^[0-9.]+$/.test(hostname) || !hostname.includes("."))) {
      ctx.addIssue({ code: "custom", message: `"${raw}": a wildcard covers the subdomains of a name of two labels or more` });
    } else {
      hosts.push(wildcard ? `*.${hostname}` : hostname);
    }
  }
  return hosts;
});

/**
 * Which proxies in front are trusted to append the client's address to X-Forwarded-For:
 * a hop count (false/0: none, true: one, as before), or a comma-separated list of
 * addresses and CIDR ranges (every proxy whose address is in it is trusted, the client is
 * the first address from the right that is not).
 */
export type TrustProxy = { hops: number } | { cidrs: string[] };
const trustProxy = z.string().transform((value, ctx): TrustProxy => {
  const v = value.trim().toLowerCase();
  if (["false", "no"].includes(v)) return { hops: 0 };
  if (["true", "yes"].includes(v)) return { hops: 1 };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 32) ctx.addIssue({ code: "custom", message: "a hop count from 0 to 32" });
    return { hops };
  }
  const cidrs: string[] = [];
  for (const entry of v.split(",").map((e) => e.trim()).filter(Boolean)) {
    const [address = "", prefix, extra] = entry.split("/");
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
    if (family === 0 || extra !== undefined || bits < 0 || bits > (family === 6 ? 128 : 32)) {
      ctx.addIssue({ code: "custom", message: `"${entry}" is not an IP address or CIDR range (true, false, a hop count, or a list such as 10.0.0.0/8,fd00::/8)` });
    } else cidrs.push(`${address}/${bits}`);
  }
  if (cidrs.length === 0) ctx.addIssue({ code: "custom", message: "true, false, a hop count, or a comma-separated list of CIDR ranges" });
  return { cidrs };
});

/**
 * AUTH_SECRET_PREVIOUS: older root secrets, comma-separated, newest first. Values made under
 * them (client-secret hashes, sealed signing keys, sessions) still open; nothing new is made
 * with them. Problems name a secret by its position, never by its text.
 */
const previousSecrets = z.string().transform((value, ctx) => {
  const secrets = value.split(",").map((s) => s.trim());
  secrets.forEach((secret, i) => {
    const which = `secret ${i + 1} of ${secrets.length}`;
    if (secret === "") ctx.addIssue({ code: "custom", message: `${which} is empty (a stray comma?)` });
    else if (secret.length < 32) ctx.addIssue({ code: "custom", message: `${which} is shorter than 32 characters (each must be a former AUTH_SECRET)` });
    else if (secrets.indexOf(secret) !== i) ctx.addIssue({ code: "custom", message: `${which} repeats secret ${secrets.indexOf(secret) + 1}` });
  });
  return secrets;
});

/** Every variable Vigil reads. The README's configuration table mirrors this object. */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: int(1, 65535).default(3000),
  HOSTNAME: z.string().min(1).default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATABASE_POOL_MAX: int(1, 200).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(15_000),
  // How long opening a connection may take before the request fails with 503 (an outage
  // must fail fast, not hang callers).
  DATABASE_CONNECT_TIMEOUT_SECONDS: int(1, 60).default(3),
  // At start, how long to keep trying to reach PostgreSQL (with backoff, each attempt logged)
  // before exiting 1: a database that starts after Vigil (compose, a restarted cluster) is
  // waited for; a wrong address fails loudly after this long. 0: one attempt.
  DATABASE_START_TIMEOUT_SECONDS: int(0, 3600).default(30),
  /** Off behind a pooler that cannot hold named prepared statements (PgBouncer in transaction mode before 1.21). */
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  VIGIL_DATA_DIR: z.string().min(1).default("./data"),
  VIGIL_ALLOW_EMBEDDED_DB: bool.default(false),
  // Serverless (Vercel sets VERCEL=1): nothing runs between requests. No job runner, sealing
  // or retention timers (cron routes do that work), no LISTEN (memory views re-read what
  // changed when they are older than a second), and live streams poll and end in time.
  VIGIL_SERVERLESS: bool.optional(),
  VERCEL: z.string().optional(),
  // The bearer secret Vercel Cron sends (Authorization: Bearer $CRON_SECRET) to /api/cron/*.
  CRON_SECRET: z.string().min(16, "must be at least 16 characters (openssl rand -base64 24)").optional(),

  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
  // Rotation (README "Rotating AUTH_SECRET"): AUTH_SECRET makes every new value, these only open old ones.
  AUTH_SECRET_PREVIOUS: previousSecrets.optional(),
  AUTH_URL: url.optional(),
  VIGIL_ISSUER: url.optional(),
  VIGIL_API_AUDIENCE: z.string().min(1).optional(),
  VIGIL_DEV_SIGNIN: bool.optional(),
  OIDC_ISSUER: url.optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  OIDC_JWKS_URI: url.optional(),
  OIDC_SCOPES: z.string().regex(/^openid( [\x21\x23-\x5B\x5D-\x7E]+)*$/, "space-separated scopes starting with openid").default("openid email profile"),
  OIDC_ALGS: z
    .string()
    .regex(/^(RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|EdDSA)(,(RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|EdDSA))*$/, "comma-separated asymmetric JWS algorithms (no none, no HS*)")
    .default("RS256,PS256,ES256,EdDSA"),
  OIDC_ROLES_CLAIM: z.string().regex(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/, "a dotted claim path such as realm_access.roles").default("roles"),
  OIDC_ROLE_MAP: z
    .string()
    .regex(/^[^=,]+=(viewer|operator|admin)(,[^=,]+=(viewer|operator|admin))*$/, "comma-separated claimValue=role pairs, role one of viewer, operator, admin")
    .default("viewer=viewer,operator=operator,admin=admin"),
  // Delegation (RFC 8693 token exchange). A person's permissions are the scope claim of their
  // token plus the scopes DELEGATION_SCOPE_MAP gives the values of their DELEGATION_SCOPES_CLAIM
  // (default: OIDC_ROLES_CLAIM), e.g. "finance=invoices:read invoices:write,sre=deploys:read".
  DELEGATION_SCOPES_CLAIM: z.string().regex(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/, "a dotted claim path such as groups").optional(),
  DELEGATION_SCOPE_MAP: z
    .string()
    .regex(/^[^=,]+=[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*(,[^=,]+=[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*)*$/, "comma-separated claimValue=scope scope... entries")
    .optional(),
  DELEGATION_MAX_DEPTH: int(1, 10).default(3),
  // The claim naming a person's groups (runtime policy's principal.groups; their roles are the
  // values of OIDC_ROLES_CLAIM).
  OIDC_GROUPS_CLAIM: z.string().regex(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/, "a dotted claim path such as groups").default("groups"),
  // Runtime policy (Cedar). POLICY_DIR: sets kept in Git, loaded at start (read-only in the
  // console). POLICY_ALLOW_SAMPLE_RATE: the share of allowed decisions also audited as
  // policy.allowed (every deny always is); 0 keeps the gateway's hot path free of writes.
  POLICY_DIR: z.string().min(1).optional(),
  POLICY_ALLOW_SAMPLE_RATE: z.coerce.number().min(0, "between 0 and 1").max(1, "between 0 and 1").default(0),
  CLOCK_LEEWAY_SECONDS: int(0, 300).default(30),
  VALIDATOR_AUDIENCES: z.string().min(1).optional(),
  VERIFIED_TOKEN_CACHE_SIZE: int(0, 1_000_000).default(10_000),
  RATE_LIMIT_TOKEN_PER_IP: rate.prefault("100:200"),
  RATE_LIMIT_TOKEN_PER_CLIENT: rate.prefault("50:100"),
  RATE_LIMIT_VALIDATE_PER_IP: rate.prefault("5000:10000"),
  RATE_LIMIT_VALIDATE_PER_SUBJECT: rate.prefault("200:400"),
  RATE_LIMIT_API_PER_IP: rate.prefault("50:100"),
  RATE_LIMIT_API_PER_SUBJECT: rate.prefault("20:40"),
  TRUST_PROXY: trustProxy.prefault("false"),
  MAX_BODY_BYTES: int(1024, 10 * 1024 * 1024).default(64 * 1024),

  TOKEN_TTL_SECONDS: int(30, 3600).default(600),
  TOKEN_MONTHLY_QUOTA: int(0, 2_000_000_000).default(0),
  CREDENTIAL_ROTATION_GRACE_SECONDS: int(0, 30 * 86400).default(3600),

  SIGNING_ALG: z.enum(["RS256", "ES256", "EdDSA"]).default("RS256"),
  SIGNING_KEY_PEM: z.string().includes("PRIVATE KEY", { message: "must be a PKCS#8 PEM private key" }).optional(),
  SIGNING_KEY_ROTATION_DELAY_SECONDS: int(0, 7 * 86400).default(600),

  VIGIL_BOOTSTRAP_ADMIN_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,64}$/, "3-64 characters of A-Z a-z 0-9 . _ -")
    .default("vigil-admin"),
  VIGIL_BOOTSTRAP_ADMIN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),

  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  // Linked from the console's overview; Vigil never calls it.
  GRAFANA_URL: url.optional(),

  // The audit log: how long events are kept, how often they are sealed into a signed
  // checkpoint, and how often retention (and partition upkeep) runs.
  AUDIT_RETENTION_DAYS: int(1, 36500).default(14),
  AUDIT_CHECKPOINT_SECONDS: int(5, 86400).default(60),
  AUDIT_MAINTENANCE_SECONDS: int(10, 86400).default(3600),

  AUTOHEAL_ENABLED: bool.default(true),
  AUTOHEAL_RULES: z.string().min(1).optional(),
  // Canary first: a fresh deployment records what it would have done and acts on nothing
  // until an operator has read those records and turned live actions on.
  AUTOHEAL_DRY_RUN: bool.default(true),
  // Maintenance: agent-facing endpoints answer 503 with Retry-After; the console and admin API stay up.
  MAINTENANCE_MODE: bool.default(false),
  MAINTENANCE_RETRY_AFTER_SECONDS: int(1, 86400).default(300),
  AUTOHEAL_ALERT_TOKEN: z.string().min(16, "must be at least 16 characters (openssl rand -base64 24)").optional(),
  AUTOHEAL_ALERT_BASIC: z
    .string()
    .regex(/^[^:]+:.{16,}$/s, 'a "user:password" pair, the password at least 16 characters')
    .transform((v) => {
      const colon = v.indexOf(":");
      return { username: v.slice(0, colon), password: v.slice(colon + 1) };
    })
    .optional(),
  ALERTMANAGER_URL: url.optional(),
  AUTOHEAL_HEARTBEAT_SECONDS: int(1, 3600).default(30),
  AUTOHEAL_LEASE_SECONDS: int(2, 86400).default(60),
  // Actions of one rule (one kind of target) in flight at once on an instance: a slow target
  // holds at most this many of the runner's slots, never all of them.
  AUTOHEAL_RULE_CONCURRENCY: int(1, 64).default(4),
  // Who this instance is across restarts (default: the host name). Two live instances must
  // never share it; set it per replica where replicas share a host name (host networking).
  VIGIL_INSTANCE_ID: z.string().min(1).max(100).regex(/^[^:\s]+$/, "no colons or spaces").optional(),

  // Live stream (GET /api/v1/events). The heartbeat stays well under proxies' idle timeouts
  // (nginx: 60 s) and the fast lane's 120 s idle limit for a reader that stopped reading.
  SSE_HEARTBEAT_SECONDS: int(1, 60).default(15),
  // On SIGTERM: how long in-flight remediations and requests may take to finish. Keep it
  // under the platform's grace period minus 2 s (Docker's default 10 s, Kubernetes' 30 s).
  SHUTDOWN_DRAIN_SECONDS: int(0, 600).default(8),
  SSE_QUEUE_MAX_BYTES: int(4096, 64 * 1024 * 1024).default(1024 * 1024),
  SSE_MAX_SUBSCRIBERS: int(1, 1_000_000).default(20_000),
  // A live stream ends after this long with `event: resume` (clients reconnect with
  // Last-Event-ID and miss nothing). 0: never. Default 0, or 250 s in serverless mode, inside
  // the function's maximum duration (300 s; see vercel.json).
  SSE_MAX_STREAM_SECONDS: int(0, 86400).optional(),

  // Alertmanager sends up to 1000 alerts in one webhook (lib/autoheal/alertmanager-payload.ts),
  // far more than MAX_BODY_BYTES admits for the API; only POST /api/alert gets this limit.
  AUTOHEAL_MAX_BODY_BYTES: int(64 * 1024, 64 * 1024 * 1024).default(5 * 1024 * 1024),

  // Client ID metadata documents (MCP authorization; draft-ietf-oauth-client-id-metadata-document):
  // a client_id that is an https URL names a JSON document Vigil fetches. Off by default: on,
  // Vigil makes outbound requests a client chooses, so they go only to CLIENT_METADATA_HOSTS
  // (exact names, or "*.example.com" for its subdomains; required when on, lib/config/config.ts)
  // and never to private addresses unless that exact IP is listed (lib/identity/clients).
  CLIENT_METADATA_DOCUMENTS: bool.default(false),
  CLIENT_METADATA_HOSTS: hostList.optional(),
  CLIENT_METADATA_TIMEOUT_MS: int(100, 30_000).default(3000),
  CLIENT_METADATA_MAX_BYTES: int(512, 1024 * 1024).default(5120),

  // DPoP (RFC 9449). A proof is accepted for DPOP_PROOF_MAX_AGE_SECONDS after its iat (and
  // CLOCK_LEEWAY_SECONDS before it); its jti is remembered as long, so the window bounds the
  // replay cache. Asymmetric algorithms only: a proof proves possession of a private key.
  // Ed25519 is RFC 9864's fully specified name for EdDSA over Ed25519 (the dpop npm package sends it).
  DPOP_PROOF_MAX_AGE_SECONDS: int(5, 3600).default(300),
  DPOP_SIGNING_ALGS: z
    .string()
    .regex(/^(RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|EdDSA|Ed25519)(,(RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|EdDSA|Ed25519))*$/, "comma-separated asymmetric JWS algorithms (no none, no HS*)")
    .default("ES256,RS256,PS256,EdDSA,Ed25519"),
  // RFC 9449 §8/§9: when on, every DPoP proof must carry a nonce Vigil issued (DPoP-Nonce
  // header; a proof without the current one is answered use_dpop_nonce). Nonces are derived
  // from AUTH_SECRET and the time, so every replica accepts every other's; each lives between
  // one and two DPOP_NONCE_SECONDS.
  DPOP_NONCES: bool.default(false),
  DPOP_NONCE_SECONDS: int(10, 3600).default(60),
  // Workload identity federation: a JSON array of SPIFFE trust domains or OIDC workload
  // issuers whose JWTs agents bound to one of their subjects present instead of a secret
  // (lib/config/workload-issuers.ts). Unset: none.
  WORKLOAD_ISSUERS: workloadIssuers.optional(),
  // Longest remaining lifetime a workload JWT may have when presented (SPIRE's JWT-SVIDs live
  // 5 minutes, Kubernetes projected tokens at least 10): a long-lived token is a secret.
  WORKLOAD_MAX_TOKEN_SECONDS: int(60, 86_400).default(3600),
  // Single-use ids (DPoP proof jti, client assertion jti) are claimed in Redis when set, so
  // every replica sees every claim; unset, in the database (PostgreSQL or PGlite).
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
});

export type Env = z.infer<typeof envSchema>;
