import { describe, expect, inject, it } from "vitest";
import { routes } from "@/lib/http/routes";
import { agentWithCredential, tokenFor } from "../support/client";

const concrete = (path: string) =>
  path.replace(":id", "4f0c0000-0000-4000-8000-000000000000").replace(":credentialId", "5e0c0000-0000-4000-8000-000000000000");

const guarded = routes.filter((r) => "scope" in r.auth);
const bearerOnly = routes.filter((r) => "bearer" in r.auth);
// The shared servers run without METRICS_TOKEN, as Prometheus targets usually do: /metrics
// is refused only when one is set (lib/gate/metrics-token.test.ts).
const refusesAnonymous = bearerOnly.filter((r) => !("bearer" in r.auth && r.auth.bearer === "metrics"));
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

  it("refuses an anonymous caller on every non-public route", async () => {
    expect(bearerOnly.map((r) => r.path)).toEqual(["/api/auth/validate", "/metrics", "/api/alert"]);
    for (const route of [...guarded, ...refusesAnonymous]) {
      const res = await fetch(`${baseUrl}${concrete(route.path)}`, { method: route.method, headers: { "content-type": "application/json" }, body: route.method === "GET" ? undefined : "{}" });
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
      expect(res.headers.get("www-authenticate"), route.path).toMatch(/^Bearer /);
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
    for (const route of routes) {
      const file = `@/app${route.path.replace(/:(\w+)/g, "[$1]")}/route`;
      const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      expect(mod[route.method], `${route.method} ${file}`).toBe(handle);
    }
  });
});
