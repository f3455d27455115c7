import { spawnSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, api, tokenFor } from "../support/client";

describe.each(inject("servers"))("operations on $name", ({ baseUrl }) => {
  it("reports liveness and readiness", async () => {
    const health = await fetch(`${baseUrl}/api/health`);
    expect(await health.json()).toEqual({ status: "ok", database: "up", postgres: "connected" });
    const ready = await fetch(`${baseUrl}/api/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { database: true, migrations: true, signing_key: true },
      oidc: { ok: true, error: null, keys: 1 },
    });
  });

  it("echoes a sane X-Request-Id and replaces a hostile one", async () => {
    const echoed = await fetch(`${baseUrl}/api/health`, { headers: { "x-request-id": "trace-abc.123" } });
    expect(echoed.headers.get("x-request-id")).toBe("trace-abc.123");
    const hostile = await fetch(`${baseUrl}/api/health`, { headers: { "x-request-id": "a b\u00e9<script>" } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const page = await fetch(`${baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("x-request-id")).toBeTruthy();
  });

  it("counts a token once, by grant type, however many scopes it carries", async () => {
    const issued = async () => Number((await (await fetch(`${baseUrl}/metrics`)).text()).match(/^vigil_tokens_issued_total\{grant_type="client_credentials"\} (\d+)/m)?.[1] ?? 0);
    const agent = await agentWithCredential(baseUrl, { allowed_scopes: ["svc:a", "svc:b", "svc:c"] });
    const before = await issued();
    await tokenFor(baseUrl, agent.clientId, agent.secret);
    expect(await issued()).toBe(before + 1);
  });

  it("serves Prometheus metrics that promtool accepts, with the route label normalised", async () => {
    await api(baseUrl, await adminToken(baseUrl))("GET", "/api/v1/agents/4f0c0000-0000-4000-8000-000000000000");
    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/vigil_http_requests_total\{method="GET",route="\/api\/v1\/agents\/:id",status="404"\} \d+/);
    expect(text).toMatch(/vigil_tokens_issued_total\{grant_type="client_credentials"\} \d+/);
    // The checkpoint pipeline and the signing key report their state.
    expect(text).toMatch(/^vigil_audit_checkpoint_lag_seconds \d/m);
    expect(text).toMatch(/^# TYPE vigil_audit_checkpoint_failures_total counter/m);
    expect(text).toMatch(/^vigil_signing_key_age_seconds \d/m);
    expect(text).toMatch(/^vigil_audit_append_seconds_count \d+/m);
    expect(text).toMatch(/vigil_agents_registered\{status="active"\} \d+/);
    expect(text).toMatch(/vigil_db_query_duration_seconds_bucket/);
    expect(text).toMatch(/vigil_auth_failures_total|# TYPE vigil_auth_failures_total counter/);
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.error, "promtool must be installed (apt-get install prometheus)").toBeUndefined();
    expect(check.stdout + check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
