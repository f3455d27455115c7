import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

const SAFE_PRODUCTION = {
  NODE_ENV: "production",
  AUTH_SECRET: "x".repeat(40),
  AUTH_URL: "https://vigil.example.com",
  DATABASE_URL: "postgres://vigil@db/vigil",
  VIGIL_DEV_SIGNIN: "false",
  AUTOHEAL_ALERT_TOKEN: "alertmanager-bearer-0123456789",
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("defaults to a trial run on the embedded database", () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: "pglite", dataDir: "./data" });
    expect(config.production).toBe(false);
    expect(config.devSignIn).toBe(true);
    expect(config.issuer).toBe("http://localhost:3000");
    expect(config.TOKEN_TTL_SECONDS).toBe(600);
  });

  it("accepts a complete production configuration", () => {
    const config = loadConfig(SAFE_PRODUCTION);
    expect(config.production).toBe(true);
    expect(config.database).toEqual({ kind: "postgres", url: SAFE_PRODUCTION.DATABASE_URL });
    expect(config.issuer).toBe("https://vigil.example.com");
  });

  it.each([
    ["AUTH_SECRET", { AUTH_SECRET: undefined }],
    ["AUTH_URL", { AUTH_URL: undefined }],
    ["VIGIL_DEV_SIGNIN", { VIGIL_DEV_SIGNIN: "true" }],
    ["DATABASE_URL", { DATABASE_URL: undefined }],
  ])("refuses production without a safe %s and names it", (variable, change) => {
    const problems = problemsOf({ ...SAFE_PRODUCTION, ...change });
    expect(problems.some((p) => p.startsWith(`${variable}:`))).toBe(true);
  });

  it("warns (does not refuse) in production when nobody can sign in, /metrics is public or AUTH_URL is http", () => {
    expect(loadConfig({ ...SAFE_PRODUCTION, OIDC_ISSUER: "https://idp.example.com", OIDC_CLIENT_ID: "vigil", METRICS_TOKEN: "m".repeat(20) }).warnings).toEqual([]);
    const warnings = loadConfig({ ...SAFE_PRODUCTION, AUTH_URL: "http://vigil.example.com" }).warnings;
    expect(warnings.map((w) => w.split(":")[0])).toEqual(["OIDC_ISSUER/OIDC_CLIENT_ID", "METRICS_TOKEN", "AUTH_URL"]);
    expect(loadConfig({ AUTH_URL: "http://localhost:3000" }).warnings).toEqual([]);
  });

  it("reads TRUST_PROXY as true/false, a hop count or a list of CIDR ranges, naming a bad entry", () => {
    expect(loadConfig({}).TRUST_PROXY).toEqual({ hops: 0 });
    expect(loadConfig({ TRUST_PROXY: "true" }).TRUST_PROXY).toEqual({ hops: 1 });
    expect(loadConfig({ TRUST_PROXY: "2" }).TRUST_PROXY).toEqual({ hops: 2 });
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8, 192.168.1.7,fd00::/8" }).TRUST_PROXY).toEqual({ cidrs: ["10.0.0.0/8", "192.168.1.7/32", "fd00::/8"] });
    expect(problemsOf({ TRUST_PROXY: "10.0.0.0/33,proxy.internal" }).join("\n")).toMatch(/TRUST_PROXY: "10\.0\.0\.0\/33" is not an IP address or CIDR range/);
    expect(problemsOf({ TRUST_PROXY: "proxy.internal" })[0]).toMatch(/TRUST_PROXY: "proxy\.internal" is not/);
  });

  it("lets production opt in to the embedded database explicitly", () => {
    const config = loadConfig({ ...SAFE_PRODUCTION, DATABASE_URL: undefined, VIGIL_ALLOW_EMBEDDED_DB: "true" });
    expect(config.database.kind).toBe("pglite");
  });

  it("turns serverless mode on for Vercel (VERCEL=1) or VIGIL_SERVERLESS, with a stream limit inside a function's duration", () => {
    expect(loadConfig({}).serverless).toBe(false);
    expect(loadConfig({}).sseMaxStreamMs).toBe(0);
    const onVercel = loadConfig({ ...SAFE_PRODUCTION, VERCEL: "1", CRON_SECRET: "c".repeat(20) });
    expect(onVercel.serverless).toBe(true);
    expect(onVercel.sseMaxStreamMs).toBe(250_000);
    expect(loadConfig({ ...SAFE_PRODUCTION, VERCEL: "1", VIGIL_SERVERLESS: "false" }).serverless).toBe(false);
    expect(loadConfig({ DATABASE_URL: "postgres://db/x", VIGIL_SERVERLESS: "true", SSE_MAX_STREAM_SECONDS: "30" }).sseMaxStreamMs).toBe(30_000);
  });

  it.each([
    ["DATABASE_URL", { DATABASE_URL: undefined, VIGIL_ALLOW_EMBEDDED_DB: "true" }, /needs PostgreSQL/],
    ["CRON_SECRET", { CRON_SECRET: undefined }, /required in serverless mode/],
    ["CRON_SECRET", { CRON_SECRET: "short" }, /at least 16/],
  ])("refuses serverless mode without %s", (variable, change, message) => {
    const problems = problemsOf({ ...SAFE_PRODUCTION, VERCEL: "1", CRON_SECRET: "c".repeat(20), ...change });
    const named = problems.filter((p) => p.startsWith(`${variable}:`));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatch(message);
  });

  it("names malformed values", () => {
    const problems = problemsOf({ TOKEN_TTL_SECONDS: "7200", DATABASE_URL: "mysql://x", AUTH_SECRET: "short" });
    expect(problems.join("\n")).toMatch(/TOKEN_TTL_SECONDS/);
    expect(problems.join("\n")).toMatch(/DATABASE_URL: must be a postgres/);
    expect(problems.join("\n")).toMatch(/AUTH_SECRET: must be at least 32/);
  });

  it("reads AUTH_SECRET_PREVIOUS as a list, newest first, naming a bad entry by position and never by its text", () => {
    const [a, b] = ["a".repeat(40), "b".repeat(40)];
    expect(loadConfig({ ...SAFE_PRODUCTION, AUTH_SECRET_PREVIOUS: ` ${a} , ${b}` }).AUTH_SECRET_PREVIOUS).toEqual([a, b]);
    expect(loadConfig(SAFE_PRODUCTION).AUTH_SECRET_PREVIOUS).toBeUndefined();
    const short = "short-former-secret";
    const problems = problemsOf({ ...SAFE_PRODUCTION, AUTH_SECRET_PREVIOUS: `${a},${short},,${a}` }).join("\n");
    expect(problems).toMatch(/AUTH_SECRET_PREVIOUS: secret 2 of 4 is shorter than 32 characters/);
    expect(problems).toMatch(/AUTH_SECRET_PREVIOUS: secret 3 of 4 is empty/);
    expect(problems).toMatch(/AUTH_SECRET_PREVIOUS: secret 4 of 4 repeats secret 1/);
    expect(problems).not.toContain(short);
    expect(problems).not.toContain(a);
    expect(problemsOf({ ...SAFE_PRODUCTION, AUTH_SECRET_PREVIOUS: `${b},${SAFE_PRODUCTION.AUTH_SECRET}` })).toEqual([
      "AUTH_SECRET_PREVIOUS: repeats AUTH_SECRET (list only the secrets AUTH_SECRET replaced)",
    ]);
  });

  it("reads WORKLOAD_ISSUERS as JSON and names what is wrong with it, including a bundle file that is not there", () => {
    const spire = { name: "spire", spiffe_trust_domain: "example.org", jwks_file: "/etc/hostname" };
    expect(loadConfig({ WORKLOAD_ISSUERS: JSON.stringify([spire]) }).WORKLOAD_ISSUERS).toEqual([spire]);
    const cases: [unknown, RegExp][] = [
      ["not json", /must be a JSON array/],
      [[{ name: "x", jwks_uri: "https://k/jwks" }], /exactly one of spiffe_trust_domain and issuer/],
      [[{ name: "x", issuer: "https://k", spiffe_trust_domain: "a.org", jwks_uri: "https://k/jwks" }], /exactly one of spiffe_trust_domain and issuer/],
      [[{ name: "x", issuer: "https://k" }], /exactly one of jwks_file and jwks_uri/],
      [[{ name: "Bad Name", issuer: "https://k", jwks_uri: "https://k/jwks" }], /name: 1-63 lower-case/],
      [[spire, spire], /names must not repeat/],
      [[{ ...spire, jwks_file: "/nonexistent/bundle.json" }], /spire's jwks_file \/nonexistent\/bundle.json cannot be read/],
    ];
    for (const [value, says] of cases) {
      const raw = typeof value === "string" ? value : JSON.stringify(value);
      expect(problemsOf({ WORKLOAD_ISSUERS: raw }).join("\n"), raw).toMatch(says);
    }
  });

  it("starts autoheal as a canary: enabled, dry run, 30 s heartbeat in a 60 s lease, 4 actions per rule at once, 5 MiB webhooks", () => {
    const { autoheal } = loadConfig({});
    expect(autoheal).toEqual({
      enabled: true,
      dryRun: true,
      rulesPath: null,
      alertAuth: { bearer: null, basic: null },
      alertmanagerUrl: null,
      heartbeatMs: 30_000,
      leaseMs: 60_000,
      ruleConcurrency: 4,
      maxBodyBytes: 5 * 1024 * 1024,
    });
    expect(() => loadConfig({ AUTOHEAL_MAX_BODY_BYTES: "1000" })).toThrow("AUTOHEAL_MAX_BODY_BYTES");
  });

  it("starts without an alert secret (the intake then refuses every webhook) and reads either kind", () => {
    const open = { ...SAFE_PRODUCTION, AUTOHEAL_ALERT_TOKEN: undefined };
    expect(loadConfig(open).autoheal.alertAuth).toEqual({ bearer: null, basic: null });
    expect(loadConfig({ ...open, AUTOHEAL_ENABLED: "false" }).autoheal.enabled).toBe(false);
    const basic = loadConfig({ ...open, AUTOHEAL_ALERT_BASIC: "alertmanager:pa:ss-0123456789abcdef" });
    expect(basic.autoheal.alertAuth).toEqual({
      bearer: null,
      basic: { username: "alertmanager", password: "pa:ss-0123456789abcdef" },
    });
  });

  it("reads the autoheal settings and names bad ones without echoing secrets", () => {
    const config = loadConfig({
      AUTOHEAL_DRY_RUN: "false",
      AUTOHEAL_RULES: "/etc/vigil/rules.yml",
      ALERTMANAGER_URL: "http://am.internal:9093/",
    });
    expect(config.autoheal).toMatchObject({ dryRun: false, rulesPath: "/etc/vigil/rules.yml", alertmanagerUrl: "http://am.internal:9093" });
    const problems = problemsOf({ AUTOHEAL_ALERT_BASIC: "nopassword", AUTOHEAL_ALERT_TOKEN: "short-secret" }).join("\n");
    expect(problems).toMatch(/AUTOHEAL_ALERT_BASIC: a "user:password" pair/);
    expect(problems).toMatch(/AUTOHEAL_ALERT_TOKEN: must be at least 16/);
    expect(problems).not.toContain("short-secret");
    expect(problemsOf({ AUTOHEAL_HEARTBEAT_SECONDS: "60", AUTOHEAL_LEASE_SECONDS: "119" })).toEqual([
      "AUTOHEAL_LEASE_SECONDS: must be at least twice AUTOHEAL_HEARTBEAT_SECONDS (60)",
    ]);
  });

  it("keeps client metadata documents off by default, and refuses them on without an allowlist", () => {
    expect(loadConfig({}).clientMetadata).toEqual({ enabled: false, hosts: [], timeoutMs: 3000, maxBytes: 5120 });
    expect(problemsOf({ CLIENT_METADATA_DOCUMENTS: "true" })).toEqual([
      "CLIENT_METADATA_HOSTS: required when CLIENT_METADATA_DOCUMENTS is on " +
        "(comma-separated hosts Vigil may fetch client metadata from, *.example.com for subdomains)",
    ]);
    expect(problemsOf({ CLIENT_METADATA_DOCUMENTS: "true", CLIENT_METADATA_HOSTS: " , " })).toHaveLength(1);
    const on = loadConfig({
      CLIENT_METADATA_DOCUMENTS: "true",
      CLIENT_METADATA_HOSTS: "agents.example.com, *.mcp.example.org,127.0.0.1,::1,[fd00::1]",
      CLIENT_METADATA_TIMEOUT_MS: "1500",
      CLIENT_METADATA_MAX_BYTES: "8192",
    });
    expect(on.clientMetadata).toEqual({
      enabled: true,
      hosts: ["agents.example.com", "*.mcp.example.org", "127.0.0.1", "[::1]", "[fd00::1]"],
      timeoutMs: 1500,
      maxBytes: 8192,
    });
  });

  it.each([
    ["Agents.Example.com", 'write "Agents.Example.com" as "agents.example.com"'],
    ["127.1", 'write "127.1" as "127.0.0.1"'],
    ["::ffff:127.0.0.1", 'write "::ffff:127.0.0.1" as "[::ffff:7f00:1]"'],
    ["example.com:443", '"example.com:443" is not a host name'],
    ["https://example.com", '"https://example.com" is not a host name'],
    ["user@example.com", '"user@example.com" is not a host name'],
    ["example.com/path", '"example.com/path" is not a host name'],
    ["exa mple.com", '"exa mple.com" is not a host name'],
    ["*", '"*" is not a host name'],
    ["*.com", '"*.com": a wildcard covers the subdomains of a name of two labels or more'],
    ["*.10.0.0.1", '"*.10.0.0.1": a wildcard covers the subdomains of a name of two labels or more'],
  ])("names the bad CLIENT_METADATA_HOSTS entry %s", (entry, message) => {
    expect(problemsOf({ CLIENT_METADATA_HOSTS: `ok.example.com,${entry}` })).toEqual([`CLIENT_METADATA_HOSTS: ${message}`]);
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "" }).database.kind).toBe("pglite");
  });
});

describe("DPoP and replay cache settings", () => {
  it("accepts redis:// and rediss:// URLs and asymmetric algorithm lists", () => {
    const config = loadConfig({ REDIS_URL: "rediss://:pw@cache.internal:6380/0", DPOP_SIGNING_ALGS: "ES256,EdDSA", DPOP_PROOF_MAX_AGE_SECONDS: "60" });
    expect(config.REDIS_URL).toBe("rediss://:pw@cache.internal:6380/0");
    expect(config.DPOP_SIGNING_ALGS).toBe("ES256,EdDSA");
    expect(config.DPOP_PROOF_MAX_AGE_SECONDS).toBe(60);
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).REDIS_URL).toBe("redis://127.0.0.1:6379");
  });

  it.each([
    ["REDIS_URL", "http://cache.internal:6379"],
    ["DPOP_SIGNING_ALGS", "HS256"],
    ["DPOP_SIGNING_ALGS", "ES256,none"],
    ["DPOP_PROOF_MAX_AGE_SECONDS", "0"],
  ])("refuses %s=%s", (name, value) => {
    expect(problemsOf({ [name]: value }).some((p) => p.startsWith(`${name}:`))).toBe(true);
  });
});
