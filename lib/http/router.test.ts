import { describe, expect, it } from "vitest";
import { createRouter } from "./router";
import { noFields } from "@/lib/validation";
import type { Route } from "./types";

const verb = () => "ok";
const route = (method: Route["method"], path: string): Route => ({ method, path, summary: path, auth: { public: "test" }, input: noFields, verb });

describe("createRouter", () => {
  const match = createRouter([
    route("GET", "/api/v1/agents"),
    route("POST", "/api/v1/agents"),
    route("GET", "/api/v1/agents/:id"),
    route("POST", "/api/v1/agents/:id/credentials/:credentialId/rotate"),
    route("GET", "/.well-known/jwks.json"),
  ]);

  it("matches parameters, decoded", () => {
    const m = match("POST", "/api/v1/agents/a%20b/credentials/c1/rotate");
    expect(m.kind).toBe("route");
    if (m.kind === "route") expect(m.params).toEqual({ id: "a b", credentialId: "c1" });
  });

  it("reports the allowed methods for a known path", () => {
    expect(match("DELETE", "/api/v1/agents")).toEqual({ kind: "method_not_allowed", allowed: ["GET", "POST"] });
  });

  it("does not let a parameter span segments or literals act as patterns", () => {
    expect(match("GET", "/api/v1/agents/a/b").kind).toBe("none");
    expect(match("GET", "/.well-known/jwksXjson").kind).toBe("none");
  });

  it("serves HEAD from GET routes", () => {
    expect(match("HEAD", "/api/v1/agents").kind).toBe("route");
  });
});
