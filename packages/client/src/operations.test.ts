import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fillPath, operations } from "./operations";

describe("the client's operations", () => {
  // Checked against Vigil's OpenAPI document (openapi.json, generated from the route table and
  // itself checked against it): a renamed or removed route fails here, not in an operator's hands.
  it("each is an operation of the OpenAPI document, same method and path", () => {
    const doc = JSON.parse(readFileSync(path.join(process.cwd(), "openapi.json"), "utf8")) as { paths: Record<string, Record<string, unknown>> };
    const missing = operations
      .map(([method, template]) => [method.toLowerCase(), template.replace(/:([A-Za-z_]+)/g, "{$1}")] as const)
      .filter(([method, p]) => doc.paths[p]?.[method] === undefined)
      .map(([method, p]) => `${method} ${p}`);
    expect(missing).toEqual([]);
  });

  it("fills path parameters, encoded, and refuses to leave one empty", () => {
    expect(fillPath("/api/v1/agents/:id/credentials/:credentialId/rotate", { id: "a/b", credentialId: "c d" })).toBe(
      "/api/v1/agents/a%2Fb/credentials/c%20d/rotate",
    );
    expect(() => fillPath("/api/v1/agents/:id", {})).toThrow(/missing path parameter id/);
  });
});
