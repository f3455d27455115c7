import { describe, expect, it } from "vitest";
import { routes } from "@/lib/http/routes";
import { fillPath, operations } from "./operations";

describe("the client's operations", () => {
  // Until the OpenAPI document lands this checks the route table it will be generated from.
  it("each exists in the route table with the same method and path template", () => {
    const table = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const missing = operations.map(([method, path]) => `${method} ${path}`).filter((op) => !table.has(op));
    expect(missing).toEqual([]);
  });

  it("fills path parameters, encoded, and refuses to leave one empty", () => {
    expect(fillPath("/api/v1/agents/:id/credentials/:credentialId/rotate", { id: "a/b", credentialId: "c d" })).toBe(
      "/api/v1/agents/a%2Fb/credentials/c%20d/rotate",
    );
    expect(() => fillPath("/api/v1/agents/:id", {})).toThrow(/missing path parameter id/);
  });
});
