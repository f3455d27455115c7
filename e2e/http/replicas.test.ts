import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTarget } from "@/lib/testing/autoheal-target";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { adminToken, agentWithCredential, api, basic } from "../support/client";
import { startRoundRobin } from "../support/nginx";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/**
 * Many replicas is the scaling story (issue 16 §4): three Vigil processes on one PostgreSQL
 * behind Debian's nginx doing plain round robin, one public URL (their shared issuer). What an
 * operator relies on when scaling out: any replica's token is good on every other, a
 * revocation or suspension on one is refused by all within a second, a live-stream subscriber
 * on one sees what another wrote, and an alert delivered to all three acts once.
 */
const adminUrl = process.env.TEST_DATABASE_URL;
const ALERT_TOKEN = "e2e-replicas-alert-token-0123456789";

describe.runIf(adminUrl)("three replicas on one PostgreSQL behind nginx round robin", () => {
  const replicas: VigilProcess[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  let balancer: Awaited<ReturnType<typeof startRoundRobin>>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let publicUrl = "";
  let admin: ReturnType<typeof api>;

  beforeAll(async () => {
    if (!adminUrl) return;
    const db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    target = await startTarget((_req, _n, res) => res.writeHead(200).end("healed"));
    cleanups.push(target.close);
    const rules = path.join(mkdtempSync(path.join(tmpdir(), "vigil-replicas-")), "rules.yml");
    writeFileSync(rules, `rules:\n  - name: restart\n    match: { alertname: ReplicasE2eDown }\n    action: { kind: webhook, url: "${target.url}/restart/{{ labels.instance }}", retries: 0, timeout_ms: 3000 }\n    cooldown: 1h\n    blast_radius: { max_actions: 100, window: 1h }\n`);
    const listenPort = await freePort();
    publicUrl = `http://127.0.0.1:${listenPort}`;
    const ports = [await freePort(), await freePort(), await freePort()];
    // Sequentially: the first applies the migrations the others then find done.
    for (const [i, port] of ports.entries()) {
      const env = {
        ...productionEnv(port, { url: db.url }),
        AUTH_URL: publicUrl,
        VALIDATOR_AUDIENCES: publicUrl,
        AUTOHEAL_RULES: rules,
        AUTOHEAL_ALERT_TOKEN: ALERT_TOKEN,
        AUTOHEAL_DRY_RUN: "false",
        RATE_LIMIT_API_PER_IP: "0",
        RATE_LIMIT_API_PER_SUBJECT: "0",
        RATE_LIMIT_TOKEN_PER_IP: "0",
        RATE_LIMIT_TOKEN_PER_CLIENT: "0",
      };
      const vigil = await startVigil(`replica-${"abc"[i]}`, env, undefined, `http://127.0.0.1:${port}`);
      replicas.push(vigil);
      cleanups.push(() => vigil.stop());
    }
    balancer = await startRoundRobin({ ports, listenPort });
    cleanups.push(balancer.stop);
    admin = api(publicUrl, await adminToken(publicUrl));
  }, 180_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  const issue = async (base: string, clientId: string, secret: string) => {
    const res = await fetch(`${base}/api/v1/token`, { method: "POST", headers: { authorization: basic(clientId, secret), "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials" });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const validateAt = (base: string, token: string) => fetch(`${base}/api/auth/validate`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  const everyReplicaSays = (token: string, status: number) =>
    expect.poll(async () => (await Promise.all(replicas.map((r) => validateAt(r.baseUrl, token)))).every((s) => s === status), { timeout: 1_000, interval: 25 }).toBe(true);

  it("spreads requests over all three, and a token from any replica validates on every other", async () => {
    const agent = await agentWithCredential(publicUrl);
    const tokens = [];
    for (let i = 0; i < 6; i++) tokens.push(await issue(publicUrl, agent.clientId, agent.secret));
    const served = readFileSync(path.join(balancer.prefix, "logs/replicas.log"), "utf8").match(/POST \/api\/v1\/token HTTP\/1\.1 upstream=\S+/g) ?? [];
    expect(new Set(served.map((line) => line.split("upstream=")[1])).size).toBe(3);
    for (const token of tokens) for (const r of replicas) expect(await validateAt(r.baseUrl, token), r.name).toBe(200);
  });

  it("a revocation on one replica is refused by all within a second", async () => {
    const agent = await agentWithCredential(publicUrl);
    const [a] = replicas;
    if (!a) throw new Error("no replica");
    const token = await issue(a.baseUrl, agent.clientId, agent.secret);
    await everyReplicaSays(token, 200);
    const revoked = await fetch(`${a.baseUrl}/api/v1/revoke`, { method: "POST", headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" }, body: `token=${token}` });
    expect(revoked.status).toBe(200);
    await everyReplicaSays(token, 401);
  });

  it("a suspension on one replica is refused by all within a second", async () => {
    const agent = await agentWithCredential(publicUrl);
    const [, b] = replicas;
    if (!b) throw new Error("no replica");
    const token = await issue(publicUrl, agent.clientId, agent.secret);
    await everyReplicaSays(token, 200);
    const suspended = await api(b.baseUrl, await adminToken(b.baseUrl))("POST", `/api/v1/agents/${agent.id}/suspend`);
    expect(suspended.status).toBe(200);
    await everyReplicaSays(token, 401);
  });

  it("a live-stream subscriber on replica C receives events written through A", async () => {
    const [a, , c] = replicas;
    if (!a || !c) throw new Error("no replica");
    const token = await adminToken(publicUrl);
    const controller = new AbortController();
    const res = await fetch(`${c.baseUrl}/api/v1/events?q=${encodeURIComponent("kind=agent.created")}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    if (!res.body) throw new Error("no stream");
    const reader = res.body.getReader();
    // The stream's first bytes arrive once it is subscribed; only then is the agent created.
    await reader.read();
    const created = await api(a.baseUrl, token)("POST", "/api/v1/agents", { name: "replicas-sse", email: `sse-${Date.now()}@example.com`, owner: "e2e", deployment_env: "test" });
    expect(created.status).toBe(201);
    let seen = "";
    const deadline = Date.now() + 5_000;
    while (!seen.includes(created.json.id as string) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(seen).toContain(created.json.id as string);
  });

  it("an alert delivered to all three (as an HA Alertmanager would) runs its action exactly once", async () => {
    const payload = JSON.stringify({
      version: "4",
      groupKey: "replicas",
      status: "firing",
      receiver: "vigil",
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: "",
      alerts: [{ status: "firing", labels: { alertname: "ReplicasE2eDown", instance: "db-9" }, annotations: {}, startsAt: new Date().toISOString(), endsAt: "0001-01-01T00:00:00Z", generatorURL: "", fingerprint: "a1b2c3d4e5f60789" }],
    });
    const answers = await Promise.all(
      replicas.map((r) => fetch(`${r.baseUrl}/api/alert`, { method: "POST", headers: { authorization: `Bearer ${ALERT_TOKEN}`, "content-type": "application/json" }, body: payload }).then(async (res) => ({ status: res.status, json: (await res.json()) as { jobs: number } }))),
    );
    expect(answers.map((a) => a.status), JSON.stringify(answers)).toEqual([200, 200, 200]);
    // One of the three stored it as new and queued the job; the others saw a repeat.
    expect(answers.reduce((n, a) => n + a.json.jobs, 0)).toBe(1);
    await expect.poll(async () => ((await admin("GET", "/api/v1/autoheal/actions?n=50")).json.actions as { result: string | null }[]).filter((j) => j.result === "ok").length, { timeout: 15_000, interval: 100 }).toBe(1);
    expect(target.received.filter((r) => r.url === "/restart/db-9")).toHaveLength(1);
  });
});
