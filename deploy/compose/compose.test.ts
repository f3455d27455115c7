import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { DCLinter } from "dclint";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * `docker compose config` cannot run here (no engine): the file is checked against the
 * Compose Specification's JSON schema (the copy dclint ships) after interpolating .env as
 * compose does, linted by dclint, and held to the shape the README promises. The configs it
 * mounts are checked by the tools they belong to (promtool, amtool), and the dev IdP is started.
 */
const DIR = import.meta.dirname;
const FILE = path.join(DIR, "compose.yaml");
const source = readFileSync(FILE, "utf8");

type Service = {
  image?: string;
  build?: unknown;
  restart?: string;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  env_file?: { path: string; required: boolean }[];
  volumes?: string[];
  secrets?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  user?: string;
  cap_drop?: string[];
};
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown>; secrets: Record<string, { environment?: string; file?: string }> };

/** The variables .env.example declares (names only: its values are empty on purpose). */
const declared = new Map(
  readFileSync(path.join(DIR, ".env.example"), "utf8")
    .split("\n")
    .map((l) => /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] ?? "", m[2] ?? ""]),
);

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error} (the subset this file uses). */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const value = env[name];
    if (value) return value;
    if (op === "-") return arg ?? "";
    throw new Error(`${name}: ${arg ?? "unset"}`);
  });
}

const filled = Object.fromEntries([...declared.keys()].map((k) => [k, `test-${k.toLowerCase()}-0123456789abcdef0123456789`]));
delete filled.VIGIL_URL;
delete filled.IDP_URL;
const compose = parse(interpolate(source, filled)) as Compose;

/** The Compose Specification's schema as dclint ships it, checked with dclint's own Ajv 8. */
function composeSchemaErrors(document: unknown): unknown[] {
  const dclint = path.dirname(createRequire(import.meta.url).resolve("dclint/package.json"));
  const { Ajv } = createRequire(path.join(dclint, "package.json"))("ajv") as { Ajv: new (o: object) => { validate: (s: object, d: unknown) => boolean; errors?: unknown[] | null } };
  // Its $schema names draft-07 by an https URL Ajv does not know by that name; draft-07 is Ajv's own.
  const { $schema, ...schema } = JSON.parse(readFileSync(path.join(dclint, "schemas", "compose.schema.json"), "utf8")) as { $schema: string; title: string };
  expect([$schema, schema.title]).toEqual(["https://json-schema.org/draft-07/schema", "Compose Specification"]);
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  return ajv.validate(schema, document) ? [] : (ajv.errors ?? ["invalid"]);
}

describe("deploy/compose", () => {
  it("is valid against the Compose Specification's schema, and dclint finds no error", () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
    // The schema does bite: a misspelt key is refused.
    expect(composeSchemaErrors({ ...compose, services: { vigil: { ...compose.services.vigil, restrat: "always" } } })).not.toEqual([]);
    const rules = Object.fromEntries(["service-keys-order", "services-alphabetical-order", "top-level-properties-order", "service-dependencies-alphabetical-order", "require-quotes-in-ports"].map((r) => [r, 0 as const]));
    const [result] = new DCLinter({ rules, quiet: false, debug: false, exclude: [] }).lintFiles([FILE], false);
    expect(result?.messages.filter((m) => m.type === "error")).toEqual([]);
  });

  it("refuses to start while a secret is missing from .env, naming it", () => {
    expect(() => interpolate(source, { ...filled, POSTGRES_PASSWORD: "" })).toThrow("POSTGRES_PASSWORD: set POSTGRES_PASSWORD in .env");
  });

  it("runs Vigil, PostgreSQL 16, Alertmanager, Prometheus and an OpenID provider, each with a health check and a restart policy", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["alertmanager", "idp", "postgres", "prometheus", "vigil"]);
    expect(compose.services.postgres?.image).toMatch(/^postgres:16/);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.restart, name).toBe("unless-stopped");
      expect(service.healthcheck?.test[0], name).toBe("CMD");
      // Pinned images, never :latest.
      if (service.image) expect(service.image, name).toMatch(/:[^:]*\d[^:]*$/);
    }
    // Vigil waits for what it needs to be healthy, and is probed on readiness.
    expect(compose.services.vigil?.depends_on).toEqual({ postgres: { condition: "service_healthy" }, idp: { condition: "service_healthy" } });
    expect(compose.services.vigil?.healthcheck?.test.join(" ")).toContain("/api/ready");
  });

  it("keeps state in named volumes, every one declared, and mounts only files that exist", () => {
    const used = new Set<string>();
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const [from = ""] = volume.split(":");
        if (from.startsWith(".") || from.startsWith("/")) {
          expect(volume, `${name}: a bind mount is read-only config`).toMatch(/:ro$/);
          expect(existsSync(path.resolve(DIR, from)), `${name}: ${from}`).toBe(true);
        } else used.add(from);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(compose.volumes).sort());
    expect(used.size).toBe(4);
  });

  it("holds no secret: every secret comes from .env (env_file or interpolation), and .env.example has no values", () => {
    for (const [key, value] of declared) if (/SECRET|PASSWORD|TOKEN/.test(key)) expect(value, key).toBe("");
    const raw = parse(source) as Compose;
    for (const [name, service] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/SECRET|PASSWORD|TOKEN|DATABASE_URL/.test(key)) expect(value, `${name}.${key}`).toMatch(/\$\{[A-Z_]+:\?[^}]+\}/);
      }
    }
    // Vigil reads the rest of its secrets straight from .env; each one it needs is declared there.
    expect(raw.services.vigil?.env_file).toEqual([{ path: ".env", required: true }]);
    for (const name of ["AUTH_SECRET", "VIGIL_BOOTSTRAP_ADMIN_SECRET", "METRICS_TOKEN", "AUTOHEAL_ALERT_TOKEN", "OIDC_CLIENT_SECRET", "POSTGRES_PASSWORD"]) expect(declared.has(name), name).toBe(true);
    // Prometheus and Alertmanager get theirs as files (their configs name files, never values).
    expect(raw.secrets).toEqual({ metrics_token: { environment: "METRICS_TOKEN" }, autoheal_alert_token: { environment: "AUTOHEAL_ALERT_TOKEN" } });
    // .env itself is never committed.
    expect(spawnSync("git", ["check-ignore", "-q", path.join(DIR, ".env")]).status).toBe(0);
  });

  it("runs Vigil as the image's non-root user on a read-only root filesystem without capabilities", () => {
    expect(compose.services.vigil).toMatchObject({ user: "10001:10001", read_only: true, cap_drop: ["ALL"] });
  });

  it("Prometheus scrapes Vigil with the metrics token and loads the shipped rules (promtool), Alertmanager posts to the intake with its token (amtool)", () => {
    const work = mkdtempSync(path.join(tmpdir(), "vigil-compose-"));
    // Each container path the configs name, mapped back to the file compose mounts there.
    const mounts = new Map<string, string>();
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const [from = "", to = ""] = volume.split(":");
        if (from.startsWith(".")) mounts.set(to, path.resolve(DIR, from));
      }
      for (const secret of service.secrets ?? []) {
        const file = path.join(work, secret);
        writeFileSync(file, "a-token-0123456789abcdef");
        mounts.set(`/run/secrets/${secret}`, file);
      }
    }
    const localise = (file: string) => [...mounts].reduce((text, [to, from]) => text.replaceAll(to, from), readFileSync(file, "utf8"));
    const prometheus = localise(path.join(DIR, "prometheus.yml"));
    expect(prometheus).toContain(path.join(DIR, "..", "prometheus", "vigil-alerts.yml"));
    writeFileSync(path.join(work, "prometheus.yml"), prometheus);
    const promtool = spawnSync("promtool", ["check", "config", path.join(work, "prometheus.yml")], { encoding: "utf8" });
    expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
    expect(promtool.stdout).toMatch(/SUCCESS: 8 rules found|SUCCESS: \d+ rules found/);
    const vigilJob = (parse(prometheus) as { scrape_configs: { job_name: string; authorization?: { credentials_file: string }; static_configs: { targets: string[] }[] }[] }).scrape_configs.find((j) => j.job_name === "vigil");
    // job="vigil" is what the shipped rules select.
    expect(vigilJob?.static_configs[0]?.targets).toEqual(["vigil:3000"]);
    expect(vigilJob?.authorization?.credentials_file).toBe(path.join(work, "metrics_token"));

    const am = localise(path.join(DIR, "alertmanager.yml"));
    writeFileSync(path.join(work, "alertmanager.yml"), am);
    const amtool = spawnSync("amtool", ["check-config", path.join(work, "alertmanager.yml")], { encoding: "utf8" });
    expect(amtool.status, amtool.stdout + amtool.stderr).toBe(0);
    expect(am).toContain("url: http://vigil:3000/api/alert");
  });

  it("the dev IdP starts with the compose settings, answers discovery with the configured issuer, and passes its own health check", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    const idp = compose.services.idp?.environment ?? {};
    const issuer = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [path.join(DIR, "idp", "server.mjs")], {
      env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", ...idp, ISSUER: issuer, PORT: String(port), DATA_DIR: mkdtempSync(path.join(tmpdir(), "vigil-idp-")) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toContain("dev IdP listening");
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; authorization_endpoint: string };
      expect(discovery.issuer).toBe(issuer);
      const check = (compose.services.idp?.healthcheck?.test ?? []).slice(1).map((a) => a.replace("127.0.0.1:9000", `127.0.0.1:${port}`));
      const healthy = spawnSync(process.execPath, check.slice(1), { encoding: "utf8" });
      expect(healthy.status).toBe(0);
      // Vigil's console client is registered with the redirect Vigil uses.
      const authorize = await fetch(
        `${discovery.authorization_endpoint}?client_id=vigil-console&response_type=code&scope=openid&redirect_uri=${encodeURIComponent("http://localhost:3000/api/auth/callback/oidc")}&code_challenge=x${"y".repeat(42)}&code_challenge_method=S256`,
        { redirect: "manual" },
      );
      expect(authorize.status).toBe(303);
      expect(authorize.headers.get("location")).toMatch(/^\/interaction\//);
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });
});
