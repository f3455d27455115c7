import { readFileSync } from "node:fs";
import path from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, inject, it } from "vitest";
import { routes } from "@/lib/http/routes";
import { agentWithCredential, tokenFor } from "../support/client";

const concrete = (path: string) =>
  path.replace(":id", "4f0c0000-0000-4000-8000-000000000000").replace(":credentialId", "5e0c0000-0000-4000-8000-000000000000");

const guarded = routes.filter((r) => "scope" in r.auth);
const bearerOnly = routes.filter((r) => "bearer" in r.auth);
// The shared servers run without METRICS_TOKEN, as Prometheus targets usually do: /metrics
// is refused only when one is set (lib/gate/metrics-token.test.ts).
// The cron routes do not exist without CRON_SECRET (below; refused with it in e2e/faults/serverless.test.ts).
const refusesAnonymous = bearerOnly.filter((r) => !("bearer" in r.auth && (r.auth.bearer === "metrics" || r.auth.bearer === "cron")));
const cronRoutes = bearerOnly.filter((r) => "bearer" in r.auth && r.auth.bearer === "cron");
const scopesOf = (r: (typeof routes)[number]) => ("scope" in r.auth ? [r.auth.scope].flat() : []);

describe.each(inject("servers"))("route table on $name", ({ baseUrl }) => {
  it("declares who may call every route", () => {
    for (const route of routes) {
      const a = route.auth;
      const declared = "public" in a ? a.public : "client" in a ? a.client : "bearer" in a ? a.bearer : [a.scope].flat().join(" ");
      expect(declared.length, `${route.method} ${route.path}`).toBeGreaterThan(0);
    }
    expect(guarded.length).toBeGreaterThan(10);
  });

  it("serves its OpenAPI 3.1 description publicly, with this instance as the server, valid for swagger-parser", async () => {
    const res = await fetch(`${baseUrl}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    const issuer = ((await (await fetch(`${baseUrl}/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer;
    expect(doc.servers).toEqual([{ url: issuer }]);
    const operations = Object.values(doc.paths).flatMap((ops) => Object.keys(ops));
    expect(operations.length).toBe(routes.length);
    // The document the build generated from the table (openapi.json), only the server differs.
    const committed = JSON.parse(readFileSync(path.join(process.cwd(), "openapi.json"), "utf8")) as Record<string, unknown>;
    expect({ ...doc, servers: committed.servers }).toEqual(committed);
    await expect(SwaggerParser.validate(doc as never)).resolves.toBeDefined();
  });

  it("refuses an anonymous caller on every non-public route", async () => {
    expect(bearerOnly.map((r) => r.path)).toEqual(["/api/auth/validate", "/metrics", "/api/alert", "/alert", "/api/cron/autoheal", "/api/cron/seal", "/api/cron/retention"]);
    for (const route of [...guarded, ...refusesAnonymous]) {
      const res = await fetch(`${baseUrl}${concrete(route.path)}`, { method: route.method, headers: { "content-type": "application/json" }, body: route.method === "GET" ? undefined : "{}" });
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
      expect(res.headers.get("www-authenticate"), route.path).toMatch(/^Bearer /);
    }
  });

  it("has no cron routes without CRON_SECRET (a long-lived process runs that work itself)", async () => {
    expect(cronRoutes.map((r) => r.path)).toEqual(["/api/cron/autoheal", "/api/cron/seal", "/api/cron/retention"]);
    for (const route of cronRoutes) {
      const res = await fetch(`${baseUrl}${route.path}`, { headers: { authorization: "Bearer anything-at-all-0123456789" } });
      expect(res.status, route.path).toBe(404);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/set CRON_SECRET/);
    }
  });

  it("refuses a caller without the route's scope on every non-public route", async () => {
    const plain = await agentWithCredential(baseUrl, { allowed_scopes: ["svc:read"] });
    const token = await tokenFor(baseUrl, plain.clientId, plain.secret);
    for (const route of guarded) {
      const res = await fetch(`${baseUrl}${concrete(route.path)}`, {
        method: route.method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: route.method === "GET" ? undefined : "{}",
      });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      // The first scope the caller lacks is the one named.
      expect(res.headers.get("www-authenticate")).toContain(`scope="${scopesOf(route)[0]}"`);
    }
  });

  it("has a Next route file exporting each method, mounting the same dispatch", async () => {
    const { handle } = await import("@/lib/http/next");
    // `/`, `/audit` and `/events` are console pages in Next; their API answers are the fast lane's.
    for (const route of routes.filter((r) => !r.servesWhen)) {
      const file = `@/app${route.path.replace(/:(\w+)/g, "[$1]")}/route`;
      const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      expect(mod[route.method], `${route.method} ${file}`).toBe(handle);
    }
  });
});
