import { spawnSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import { adminToken, api } from "../support/client";

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

  it("serves Prometheus metrics that promtool accepts, with the route label normalised", async () => {
    await api(baseUrl, await adminToken(baseUrl))("GET", "/api/v1/agents/4f0c0000-0000-4000-8000-000000000000");
    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/vigil_http_requests_total\{method="GET",route="\/api\/v1\/agents\/:id",status="404"\} \d+/);
    expect(text).toMatch(/vigil_tokens_issued_total\{scope="admin"\} \d+/);
    expect(text).toMatch(/vigil_agents_registered\{status="active"\} \d+/);
    expect(text).toMatch(/vigil_db_query_duration_seconds_bucket/);
    expect(text).toMatch(/vigil_auth_failures_total|# TYPE vigil_auth_failures_total counter/);
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.error, "promtool must be installed (apt-get install prometheus)").toBeUndefined();
    expect(check.stdout + check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
