import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { adminToken, api, tokenFor } from "../support/client";
import { cliUser, type CliResult } from "../support/cli";
import { TcpRelay } from "../support/tcp-relay";
import { BOOTSTRAP_SECRET, freePort } from "../support/vigil-process";

/**
 * The `vigil` CLI end to end: the real bin as a child process (each user with their own
 * HOME and XDG_CONFIG_HOME) against the production build. The CLI is a client of the API,
 * so one instance (the embedded database's) is enough; the silences, which need
 * Alertmanager, are in cli-silences.test.ts.
 */
const [server] = inject("servers");
if (!server) throw new Error("no server");
const baseUrl = server.baseUrl;

type Agent = { id: string; name: string; status: string };
type Credential = { id: string; client_id: string; client_secret: string | null; status: string };

const ok = (r: CliResult) => {
  expect(r.stderr.split("\n").filter((l) => l.startsWith("vigil:")), r.stderr).toEqual([]);
  expect(r.code, r.stderr).toBe(0);
  return r;
};
const parsed = <T>(r: CliResult): T => JSON.parse(ok(r).stdout) as T;

const admin = cliUser();
let adminApi: ReturnType<typeof api>;

beforeAll(async () => {
  adminApi = api(baseUrl, await adminToken(baseUrl));
});

describe("vigil login and token", () => {
  it("logs in with client credentials from the environment and keeps the token in a 0600 file, never the secret", async () => {
    const r = ok(await admin.run(["login", "--url", baseUrl, "--client-id", "vigil-admin"], { env: { VIGIL_CLIENT_SECRET: BOOTSTRAP_SECRET } }));
    expect(r.stdout).toContain(`Logged in to ${baseUrl} as vigil-admin.`);
    expect(r.stdout + r.stderr).not.toContain(BOOTSTRAP_SECRET);
    const file = path.join(admin.configDir, "config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(admin.configDir).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    expect(stored).toMatchObject({ url: baseUrl, client_id: "vigil-admin", scope: "admin" });
    expect(stored.client_secret).toBeUndefined();
    expect(readFileSync(file, "utf8")).not.toContain(BOOTSTRAP_SECRET);
  });

  it("prints a working token and nothing else on stdout", async () => {
    const r = ok(await admin.run(["token"]));
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect((await api(baseUrl, r.stdout.trim())("GET", "/api/v1/agents?limit=1")).status).toBe(200);
  });

  it("renews an expired token only from a secret the user chose to save (--save-secret), or from the environment", async () => {
    const expire = (dir: string) => {
      const file = path.join(dir, "config.json");
      writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, "utf8")) as object), expires_at: new Date(Date.now() - 1000).toISOString() }));
    };
    const plain = cliUser();
    ok(await plain.run(["login", "--url", baseUrl, "--client-id", "vigil-admin"], { env: { VIGIL_CLIENT_SECRET: BOOTSTRAP_SECRET } }));
    expire(plain.configDir);
    const refused = await plain.run(["token"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^vigil: the token expired at .*: run `vigil login` again/);
    expect(refused.stdout).toBe("");

    const saving = cliUser();
    ok(await saving.run(["login", "--url", baseUrl, "--client-id", "vigil-admin", "--save-secret"], { env: { VIGIL_CLIENT_SECRET: BOOTSTRAP_SECRET } }));
    expect(statSync(path.join(saving.configDir, "config.json")).mode & 0o777).toBe(0o600);
    expire(saving.configDir);
    const renewed = ok(await saving.run(["token"]));
    expect((await api(baseUrl, renewed.stdout.trim())("GET", "/api/v1/keys")).status).toBe(200);
    const stored = JSON.parse(readFileSync(path.join(saving.configDir, "config.json"), "utf8")) as { expires_at: string; access_token: string };
    expect(Date.parse(stored.expires_at)).toBeGreaterThan(Date.now());
    expect(stored.access_token).toBe(renewed.stdout.trim());

    // A script with no login: the variables alone, and nothing written.
    const script = cliUser({ VIGIL_URL: baseUrl, VIGIL_CLIENT_ID: "vigil-admin", VIGIL_CLIENT_SECRET: BOOTSTRAP_SECRET });
    expect(JSON.parse(ok(await script.run(["keys", "list", "--json"])).stdout)).not.toHaveLength(0);
    expect(() => statSync(script.configDir)).toThrow(/ENOENT/);
  });

  it("refuses wrong credentials with exit 3 and the OAuth error on one line", async () => {
    const r = await cliUser().run(["login", "--url", baseUrl, "--client-id", "vigil-admin", "--client-secret-stdin"], { input: "not-the-secret\n" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^vigil: invalid_client: .*\[401\]\n$/);
  });

  it("says how to log in when nobody has (exit 3), and exits 2 on a usage error", async () => {
    const fresh = cliUser();
    const r = await fresh.run(["agents", "list"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not logged in: run `vigil login/);
    const usage = await fresh.run(["agents", "list", "--limit", "many"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/error: option '--limit <n>' argument 'many' is invalid/);
  });

  it("answers --help on every level with exit 0", async () => {
    for (const args of [["--help"], ["audit", "--help"], ["audit", "tail", "--help"], ["creds", "rotate", "--help"], ["doctor", "--help"]]) {
      const r = await admin.run(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^Usage: vigil/);
    }
    expect((await admin.run(["--help"])).stdout).toMatch(/Exit codes:\n {2}0 {4}ok/);
  });
});

describe("vigil agents, creds and keys", () => {
  let agent: Agent;
  let credential: Credential;

  it("creates, lists, gets, suspends and reactivates an agent", async () => {
    const email = `cli-${Date.now()}@example.com`;
    agent = parsed<Agent>(await admin.run(["agents", "create", "--name", "cli agent", "--email", email, "--owner", "cli", "--env", "test", "--scope", "audit:read", "--label", "team=ops", "--json"]));
    expect(agent).toMatchObject({ name: "cli agent", status: "active", allowed_scopes: ["audit:read"], labels: { team: "ops" } });

    const listed = parsed<Agent[]>(await admin.run(["agents", "list", "--search", email, "--json"]));
    expect(listed.map((a) => a.id)).toEqual([agent.id]);
    const table = ok(await admin.run(["agents", "list", "--search", email]));
    expect(table.stdout).toMatch(new RegExp(`^ID +NAME +STATUS.*\\n${agent.id} +cli agent +active +cli +test +audit:read`));
    expect(ok(await admin.run(["agents", "get", agent.id])).stdout).toMatch(/^id: +[\s\S]*status: +active/);

    expect(ok(await admin.run(["agents", "suspend", agent.id])).stdout).toBe(`agent ${agent.id} (cli agent) is now suspended\n`);
    expect((await adminApi("GET", `/api/v1/agents/${agent.id}`)).json.status).toBe("suspended");
    expect(parsed<Agent>(await admin.run(["agents", "reactivate", agent.id, "--json"])).status).toBe("active");
  });

  it("exits 4 for an agent that does not exist, 1 for a refused transition, with the problem on one line", async () => {
    const missing = await admin.run(["agents", "get", "4f0c0000-0000-4000-8000-000000000000"]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe("vigil: Not Found: No agent with id 4f0c0000-0000-4000-8000-000000000000. [404]\n");
    const conflict = await admin.run(["agents", "reactivate", agent.id]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toBe("vigil: Conflict: Cannot reactivate an agent that is active. [409]\n");
  });

  it("generates a credential whose secret is shown once and works; rotates it; revokes it", async () => {
    const shown = ok(await admin.run(["creds", "generate", agent.id]));
    expect(shown.stdout).toMatch(/^client_id: +vgc_\S+\nclient_secret: +\S+\ncredential_id: +\S+\n/);
    expect(shown.stderr).toContain("shown only this once");
    const [, clientId = "", secret = ""] = /client_id: +(\S+)\nclient_secret: +(\S+)/.exec(shown.stdout) ?? [];
    expect(await tokenFor(baseUrl, clientId, secret)).toMatch(/\./);

    credential = parsed<Credential[]>(await admin.run(["creds", "list", agent.id, "--json"]))[0] as Credential;
    expect(credential).toMatchObject({ client_id: clientId, status: "active" });
    expect(JSON.stringify(credential)).not.toContain(secret);

    const rotated = parsed<Credential>(await admin.run(["creds", "rotate", agent.id, credential.id, "--grace", "0", "--json"]));
    expect(rotated.client_secret).toBeTruthy();
    expect(rotated.client_secret).not.toBe(secret);
    expect(await tokenFor(baseUrl, clientId, rotated.client_secret ?? "")).toMatch(/\./);
    await expect(tokenFor(baseUrl, clientId, secret)).rejects.toThrow(/401/);

    expect(ok(await admin.run(["creds", "revoke", agent.id, credential.id])).stdout).toMatch(new RegExp(`^credential ${credential.id} \\(${clientId}\\) revoked at `));
    await expect(tokenFor(baseUrl, clientId, rotated.client_secret ?? "")).rejects.toThrow(/401/);
  });

  it("exits 5 when the logged-in client lacks the scope", async () => {
    const generated = parsed<Credential>(await admin.run(["creds", "generate", agent.id, "--json"]));
    const reader = cliUser();
    ok(await reader.run(["login", "--url", baseUrl, "--client-id", generated.client_id, "--client-secret-stdin"], { input: generated.client_secret ?? "" }));
    const r = await reader.run(["keys", "list"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^vigil: Forbidden: .*\[403\]\n$/);
  });

  it("decommissions only with --yes", async () => {
    expect((await admin.run(["agents", "decommission", agent.id])).code).toBe(2);
    expect(parsed<Agent>(await admin.run(["agents", "decommission", agent.id, "--yes", "--json"])).status).toBe("decommissioned");
  });

  it("lists signing keys and rotates to a new one", async () => {
    const before = parsed<{ kid: string }[]>(await admin.run(["keys", "list", "--json"]));
    expect(before.length).toBeGreaterThan(0);
    const rotated = parsed<{ kid: string; activates_at: string }>(await admin.run(["keys", "rotate", "--delay", "3600", "--json"]));
    const after = parsed<{ kid: string; can_sign: boolean }[]>(await admin.run(["keys", "list", "--json"]));
    expect(after.map((k) => k.kid)).toContain(rotated.kid);
    expect(before.map((k) => k.kid)).not.toContain(rotated.kid);
    expect(ok(await admin.run(["keys", "list"])).stdout).toMatch(new RegExp(`${rotated.kid} +\\S+ +\\S+ +after activation`));
  });
});

describe("vigil audit", () => {
  let agentId: string;
  const q = () => `agent=${agentId}`;

  beforeAll(async () => {
    const created = await adminApi("POST", "/api/v1/agents", { name: "audit cli", email: `audit-cli-${Date.now()}@example.com`, owner: "cli", deployment_env: "test" });
    agentId = created.json.id as string;
    await adminApi("POST", `/api/v1/agents/${agentId}/suspend`);
    await adminApi("POST", `/api/v1/agents/${agentId}/reactivate`);
  });

  it("queries with Vigil's q language as a table, JSON, NDJSON and CSV", async () => {
    const events = parsed<{ id: string; kind: string; agent_id: string }[]>(await admin.run(["audit", "query", q(), "--since", "1h", "--json"]));
    expect(events.map((e) => e.kind)).toEqual(["agent.reactivated", "agent.suspended", "agent.created"]);

    expect(ok(await admin.run(["audit", "query", q(), "--limit", "2"])).stdout).toMatch(/^ID +TIME +KIND +OUTCOME +ACTOR +SUBJECT\n\d+ .*agent\.reactivated .*\n\d+ .*agent\.suspended .*\n$/);

    const ndjson = ok(await admin.run(["audit", "query", q(), "--ndjson"]));
    expect(ndjson.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(events.map((e) => e.id));
    expect(ndjson.stderr).toContain("exported 3 events as NDJSON");

    const csv = ok(await admin.run(["audit", "query", q(), "--csv", "--limit", "2"]));
    const rows = csv.stdout.trimEnd().split("\r\n");
    expect(rows[0]).toMatch(/^id,ts,kind,/);
    expect(rows.slice(1).map((r) => r.split(",")[0])).toEqual(events.slice(0, 2).map((e) => e.id));
    expect(csv.stderr).toContain("exported 2 events as CSV (--limit 2)");
  });

  it("says what is wrong with a bad query (exit 1)", async () => {
    const r = await admin.run(["audit", "query", "kind=("]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^vigil: Invalid request: .*position \d+.*\[400\]\n$/);
  });

  it("tails the live stream: an event written after it started, and one written while disconnected after it resumes", async () => {
    // Through a relay the test can cut, standing for the network.
    const relay = await TcpRelay.start(baseUrl);
    const watcher = cliUser();
    ok(await watcher.run(["login", "--url", relay.url, "--client-id", "vigil-admin"], { env: { VIGIL_CLIENT_SECRET: BOOTSTRAP_SECRET } }));
    const tail = watcher.spawn(["audit", "tail", q(), "--json"]);
    try {
      await tail.waitFor("err", (l) => l.startsWith("following the audit log"));
      await adminApi("POST", `/api/v1/agents/${agentId}/suspend`);
      const first = JSON.parse(await tail.waitFor("out", (l) => l.includes('"agent.suspended"'))) as { id: string };

      relay.hold();
      relay.cut();
      await tail.waitFor("err", (l) => l.startsWith("vigil: stream interrupted"));
      await adminApi("POST", `/api/v1/agents/${agentId}/reactivate`);
      relay.release();
      await tail.waitFor("err", (l) => l === `vigil: resumed after event ${first.id}`);
      const second = JSON.parse(await tail.waitFor("out", (l) => l.includes('"agent.reactivated"') && BigInt((JSON.parse(l) as { id: string }).id) > BigInt(first.id))) as { id: string; agent_id: string };
      expect(second.agent_id).toBe(agentId);
      // Nothing twice, nothing else: the stream resumed exactly after the first event.
      const seen = tail.lines.out.map((l) => (JSON.parse(l) as { id: string; kind: string }));
      expect(seen.map((e) => e.kind)).toEqual(["agent.suspended", "agent.reactivated"]);
    } finally {
      expect(await tail.stop("SIGINT")).toBe(130);
      await relay.stop();
    }
  });

  it("verifies the log against its signed checkpoints, with progress on stderr", async () => {
    expect((await adminApi("POST", "/api/v1/audit/checkpoints")).status).toBe(201);
    const report = parsed<{ ok: boolean; checked_checkpoints: number; checked_events: number }>(await admin.run(["audit", "verify", "--json"]));
    expect(report.ok).toBe(true);
    expect(report.checked_checkpoints).toBeGreaterThan(0);
    expect(report.checked_events).toBeGreaterThan(0);
    const human = ok(await admin.run(["audit", "verify"]));
    expect(human.stdout).toMatch(/^ok: the audit log matches its signed checkpoints\n/);
    expect(human.stderr).toMatch(/^verifying \d+ checkpoints?: done in [\d.]+s\n$/);
  });
});

describe("vigil autoheal", () => {
  it("shows the status and turns the dry run off and on again", async () => {
    const before = parsed<{ enabled: boolean; dry_run: boolean }>(await admin.run(["autoheal", "status", "--json"]));
    try {
      expect(parsed<{ dry_run: boolean }>(await admin.run(["autoheal", "dry-run", "off", "--json"])).dry_run).toBe(false);
      expect((await adminApi("GET", "/api/v1/autoheal")).json.dry_run).toBe(false);
      expect(ok(await admin.run(["autoheal", "dry-run", "on"])).stdout).toMatch(/^autoheal: +on, dry run/);
      expect(ok(await admin.run(["autoheal", "off"])).stdout).toMatch(/^autoheal: +off\n/);
      expect(ok(await admin.run(["autoheal", "on"])).stdout).toMatch(/^autoheal: +on, dry run/);
      expect(ok(await admin.run(["autoheal", "status"])).stdout).toMatch(/changed_by: +agent:/);
    } finally {
      await adminApi("PATCH", "/api/v1/autoheal", { enabled: before.enabled, dry_run: before.dry_run });
    }
  });
});

describe("vigil rules check", () => {
  it("reports every problem of a rules file with its line, and exits 1", async () => {
    const file = path.join(admin.home, "rules.yml");
    writeFileSync(
      file,
      `rules:
  - name: restart
    match:
      alertname: Down
      labels: ['severity=~"("']
    action:
      kind: webhook
      url: https://deploy.example/restart
    cooldown: 10m
  - name: restart
    match: { alertname: Up }
    action: { kind: teleport }
    cooldown: soon
    blast_radius: { max_actions: 3, window: 1h }
`,
    );
    const r = await admin.run(["rules", "check", file]);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split("\n").map((l) => l.replace(/^.*rules\.yml:(\d+):\d+: (.*?):.*$/, "$1 $2"))).toEqual([
      "2 rule 'restart' (rules[0]) blast_radius",
      "5 rule 'restart' (rules[0]) match.labels[0]",
      "10 rule 'restart' (rules[1]) name",
      "12 rule 'restart' (rules[1]) action.kind",
      "13 rule 'restart' (rules[1]) cooldown",
    ]);
    expect(r.stderr).toBe(`5 problems in ${file}\n`);

    const good = path.join(admin.home, "good.yml");
    writeFileSync(good, "rules:\n  - name: a\n    match: { alertname: A }\n    action: { kind: webhook, url: https://x.example/ }\n    cooldown: 1m\n    blast_radius: { max_actions: 1, window: 1h }\n");
    expect(ok(await admin.run(["rules", "check", good])).stdout).toBe(`${good}: ok, 1 rule\n`);
  });
});

describe("vigil doctor", () => {
  it("passes a running instance: every check ok but the open /metrics (Vigil's default without METRICS_TOKEN)", async () => {
    const r = ok(await admin.run(["doctor"]));
    const lines = r.stdout.trimEnd().split("\n");
    const checks = Object.fromEntries(lines.slice(0, -1).map((l) => [l.slice(6).split(/ +/)[0], l.slice(0, 4).trim()]));
    expect(checks).toEqual({ tls: "ok", reachable: "ok", ready: "ok", clock: "ok", discovery: "ok", jwks: "ok", token: "ok", signature: "ok", metrics: "warn" });
    expect(lines.at(-1)).toBe("healthy, 1 warning");
    const report = parsed<{ ok: boolean; checks: { name: string; status: string }[] }>(await admin.run(["doctor", "--json"]));
    expect(report.ok).toBe(true);
  });

  it("fails against a port nothing listens on (exit 1)", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await cliUser().run(["doctor", "--url", dead]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^ok {4}tls .*\\nFAIL  reachable +cannot reach Vigil at ${dead} \\(ECONNREFUSED\\)\\n`));
    expect(r.stdout).toMatch(/1 check failed\n$/);
  });
});
